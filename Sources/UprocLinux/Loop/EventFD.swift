import CLinuxProc
import Glibc

/// A non-blocking eventfd: another thread calls `signal()` to wake the loop.
/// Sendable because its only state is the descriptor it owns.
package final class EventFD: Sendable {
    package let fileDescriptor: Int32

    /// The corresponding C function is `eventfd`.
    package init() throws(SystemCallError) {
        fileDescriptor = try syscall("eventfd") { eventfd(0, CLinuxProc_EFD_FLAGS) }.get()
    }

    deinit { closeDescriptor(fileDescriptor) }

    /// Wakes the reader. Safe from any thread; wake-ups coalesce.
    package func signal() {
        var one: UInt64 = 1
        // EAGAIN means the counter is saturated: the reader is awake anyway.
        _ = syscall("write") { Glibc.write(fileDescriptor, &one, 8) }
    }

    /// Resets the counter so the descriptor stops being readable.
    package func acknowledge() {
        var count: UInt64 = 0
        _ = syscall("read") { Glibc.read(fileDescriptor, &count, 8) }
    }
}
