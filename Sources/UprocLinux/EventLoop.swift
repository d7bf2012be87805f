import CLinuxProc
import Glibc

/// An epoll set of readable descriptors, each known by a caller's token.
/// Confined to one thread. Owns the epoll descriptor, not the registered ones.
public final class EventLoop {
    public let fileDescriptor: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    private static let capacity: Int32 = 16

    /// The corresponding C function is `epoll_create1`.
    public init() throws(SystemCallError) {
        fileDescriptor = try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }.value()
        events = .allocate(capacity: Int(Self.capacity))
    }

    deinit {
        events.deallocate()
        closeDescriptor(fileDescriptor)
    }

    /// Watches `fd` for input (level-triggered); `wait` reports it as `token`.
    public func register(_ fd: Int32, token: Int) throws(SystemCallError) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64(UInt(bitPattern: token))
        try syscall("epoll_ctl", subject: "ADD fd \(fd)") {
            epoll_ctl(fileDescriptor, EPOLL_CTL_ADD, fd, &event)
        }.value()
    }

    /// Stops watching `fd` (best effort: closing it also removes it).
    public func unregister(_ fd: Int32) {
        _ = syscall("epoll_ctl") { epoll_ctl(fileDescriptor, EPOLL_CTL_DEL, fd, nil) }
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever) and calls `body` with
    /// the token of each ready descriptor. Returns without calling `body` on
    /// a timeout or an interruption (EINTR comes after SIGSTOP/SIGCONT).
    public func wait(timeoutMilliseconds: Int32, _ body: (Int) -> Void) {
        let count = epoll_wait(fileDescriptor, events, Self.capacity, timeoutMilliseconds)
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            body(Int(bitPattern: UInt(events[index].data.u64)))
        }
    }
}
