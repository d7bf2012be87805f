import CLinuxProc
import Glibc

/// Receives up to `capacity` datagrams per `recvmmsg` call into fixed
/// slots: in a burst one system call carries dozens of kernel events
/// instead of one. Owns its memory; confined to the loop thread.
final class DatagramBatch {
    let capacity: Int
    let slotSize: Int
    private let headers: UnsafeMutablePointer<CLinuxProc_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let senders: UnsafeMutablePointer<sockaddr_nl>
    private let storage: UnsafeMutableRawBufferPointer

    enum Outcome {
        /// `count` datagrams are in slots 0..<count.
        case received(Int)
        case empty
        case overrun
        case failed(SystemCallError)
    }

    init(capacity: Int = 64, slotSize: Int = 1024) {
        self.capacity = capacity
        self.slotSize = slotSize
        headers = .allocate(capacity: capacity)
        vectors = .allocate(capacity: capacity)
        senders = .allocate(capacity: capacity)
        storage = .allocate(byteCount: capacity * slotSize, alignment: 8)
        for index in 0..<capacity {
            vectors[index] = iovec(iov_base: storage.baseAddress! + index * slotSize, iov_len: slotSize)
            headers[index] = CLinuxProc_mmsghdr()
        }
    }

    deinit {
        headers.deallocate()
        vectors.deallocate()
        senders.deallocate()
        storage.deallocate()
    }

    /// One `recvmmsg(MSG_DONTWAIT)`.
    func receive(from fd: Int32) -> Outcome {
        for index in 0..<capacity {
            // The kernel overwrites these per call.
            headers[index].msg_hdr.msg_name = UnsafeMutableRawPointer(senders + index)
            headers[index].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_nl>.size)
            headers[index].msg_hdr.msg_iov = vectors + index
            headers[index].msg_hdr.msg_iovlen = 1
            headers[index].msg_hdr.msg_flags = 0
            headers[index].msg_len = 0
        }
        switch syscall("recvmmsg", { CLinuxProc_recvmmsg(fd, headers, UInt32(capacity), Int32(MSG_DONTWAIT)) }) {
        case .success(let count):
            return .received(Int(count))
        case .failure(let error):
            if error.errno == .noBufferSpace { return .overrun }
            if error.errno == .resourceTemporarilyUnavailable { return .empty }
            return .failed(error)
        }
    }

    /// The sender's port of datagram `index` (0: the kernel).
    func senderPort(_ index: Int) -> UInt32 { senders[index].nl_pid }

    /// The bytes of datagram `index` (cut to the slot if it was longer).
    func datagram(_ index: Int) -> UnsafeRawBufferPointer {
        let length = min(Int(headers[index].msg_len), slotSize)
        return UnsafeRawBufferPointer(start: storage.baseAddress! + index * slotSize, count: length)
    }
}
