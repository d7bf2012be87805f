import CLinuxProc
import Glibc

/// An unbound AF_UNIX datagram socket that sends whole messages to
/// addresses: the transport of sd_notify and of journald's native protocol.
/// Sendable: its only state is the descriptor, and `sendto` is thread-safe.
package final class UnixDatagramSocket: Sendable {
    package let fileDescriptor: Int32

    /// The corresponding C function is `socket`.
    package init() throws(SystemCallError) {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        fileDescriptor = try syscall("socket", subject: "AF_UNIX") { socket(AF_UNIX, type, 0) }.get()
    }

    deinit { closeDescriptor(fileDescriptor) }

    /// Sends `bytes` as one datagram to `address`. A datagram is never
    /// split: on success the receiver gets all of it. Without `waiting`, a
    /// receiver whose queue is full fails the send with EAGAIN at once
    /// instead of blocking until it reads.
    /// The corresponding C function is `sendto`.
    package func send(_ bytes: UnsafeRawBufferPointer, to address: UnixSocketAddress, waiting: Bool = true)
        throws(SystemCallError)
    {
        _ = try sendResult(bytes, to: address, waiting: waiting).get()
    }

    package func send(_ text: String, to address: UnixSocketAddress, waiting: Bool = true) throws(SystemCallError) {
        var text = text
        _ = try text.withUTF8 { sendResult(UnsafeRawBufferPointer($0), to: address, waiting: waiting) }.get()
    }

    func sendResult(_ bytes: UnsafeRawBufferPointer, to address: UnixSocketAddress, waiting: Bool = true)
        -> Result<Int, SystemCallError>
    {
        let fd = fileDescriptor
        let flags = Int32(MSG_NOSIGNAL) | (waiting ? 0 : Int32(MSG_DONTWAIT))
        return address.withSockaddr { pointer, length in
            syscall("sendto", subject: address.text) {
                sendto(fd, bytes.baseAddress, bytes.count, flags, pointer, length)
            }
        }
    }
}

/// A bound AF_UNIX datagram socket that receives messages: the listening
/// end of a fake `NOTIFY_SOCKET` or journal socket in tests.
package final class UnixDatagramReceiver {
    package let fileDescriptor: Int32
    package let address: UnixSocketAddress

    /// Binds `address` (a path must not exist yet; it is unlinked on release).
    /// The corresponding C functions are `socket` and `bind`.
    package init(address: UnixSocketAddress) throws(SystemCallError) {
        let type = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = try syscall("socket", subject: "AF_UNIX") { socket(AF_UNIX, type, 0) }.get()
        let bound = address.withSockaddr { pointer, length in
            syscall("bind", subject: address.text) { bind(fd, pointer, length) }
        }
        if case .failure(let error) = bound {
            closeDescriptor(fd)
            throw error
        }
        fileDescriptor = fd
        self.address = address
    }

    deinit {
        closeDescriptor(fileDescriptor)
        if !address.isAbstract { unlink(address.text) }
    }

    /// The next datagram, waiting at most `timeoutMilliseconds`; nil when
    /// none came. The corresponding C functions are `poll` and `recv`.
    package func receive(timeoutMilliseconds: Int32) throws(SystemCallError) -> [UInt8]? {
        var request = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let ready = try syscall("poll") { poll(&request, 1, timeoutMilliseconds) }.get()
        guard ready > 0 else { return nil }
        let fd = fileDescriptor
        // MSG_TRUNC makes recv report the datagram's full size; peek first so
        // a large journal record is read whole.
        let size = try syscall("recv") { recv(fd, nil, 0, Int32(MSG_PEEK | MSG_TRUNC)) }.get()
        var buffer = [UInt8](repeating: 0, count: max(size, 1))
        let count = try buffer.withUnsafeMutableBytes { bytes in
            syscall("recv") { recv(fd, bytes.baseAddress, bytes.count, 0) }
        }.get()
        return Array(buffer.prefix(count))
    }
}
