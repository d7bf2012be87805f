import CLinuxProc
import Glibc

/// A CLOCK_MONOTONIC timerfd (non-blocking), armed with absolute deadlines.
/// Owns its descriptor. The event loop's timers share one.
final class TimerFD {
    let fileDescriptor: Int32

    /// The corresponding C function is `timerfd_create`.
    init() throws(SystemCallError) {
        fileDescriptor = try syscall("timerfd_create") {
            timerfd_create(CLOCK_MONOTONIC, CLinuxProc_TFD_FLAGS)
        }.get()
    }

    deinit { closeDescriptor(fileDescriptor) }

    /// Fires once at `deadline` (CLOCK_MONOTONIC ns; a past one fires at
    /// once); 0 disarms. Re-arming replaces the previous deadline.
    /// The corresponding C function is `timerfd_settime` with `TFD_TIMER_ABSTIME`.
    func arm(atMonotonicNanoseconds deadline: UInt64) {
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(deadline / 1_000_000_000)
        spec.it_value.tv_nsec = Int(deadline % 1_000_000_000)
        _ = syscall("timerfd_settime") { timerfd_settime(fileDescriptor, Int32(TFD_TIMER_ABSTIME), &spec, nil) }
    }

    /// Consumes the expiration so the descriptor stops being readable.
    func acknowledge() {
        var expirations: UInt64 = 0
        _ = syscall("read") { Glibc.read(fileDescriptor, &expirations, 8) }
    }
}
