import CLinuxProc
import Glibc

/// A one-shot CLOCK_MONOTONIC timerfd (non-blocking). Owns its descriptor.
public final class TimerFD {
    public let fileDescriptor: Int32

    /// The corresponding C function is `timerfd_create`.
    public init() throws(SystemCallError) {
        fileDescriptor = try syscall("timerfd_create") {
            timerfd_create(CLOCK_MONOTONIC, CLinuxProc_TFD_FLAGS)
        }.value()
    }

    deinit { closeDescriptor(fileDescriptor) }

    /// Fires once, `afterNanoseconds` from now (0 fires at once, not never).
    /// Re-arming replaces the previous deadline.
    public func arm(afterNanoseconds nanoseconds: UInt64) {
        let due = max(nanoseconds, 1)
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(due / 1_000_000_000)
        spec.it_value.tv_nsec = Int(due % 1_000_000_000)
        _ = syscall("timerfd_settime") { timerfd_settime(fileDescriptor, 0, &spec, nil) }
    }

    public func disarm() {
        var spec = itimerspec()
        _ = syscall("timerfd_settime") { timerfd_settime(fileDescriptor, 0, &spec, nil) }
    }

    /// Consumes the expiration so the descriptor stops being readable.
    public func acknowledge() {
        var expirations: UInt64 = 0
        _ = syscall("read") { Glibc.read(fileDescriptor, &expirations, 8) }
    }
}
