import Glibc

/// CLOCK_MONOTONIC: the clock of `ProcEvent.timestamp`.
package enum MonotonicClock {
    package static func nanoseconds() -> UInt64 { clockNanoseconds(CLOCK_MONOTONIC) }

    /// Sleeps `nanoseconds` (less if a signal interrupts: callers use it to
    /// let work queue up, not to keep time). The corresponding C function is
    /// `clock_nanosleep`.
    package static func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        _ = clock_nanosleep(CLOCK_MONOTONIC, 0, &request, nil)
    }
}

/// CLOCK_BOOTTIME in clock ticks: the unit of a process's start time
/// (field 22 of `/proc/PID/stat`).
package enum BootClock {
    package static func ticks() -> UInt64 {
        let perSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return clockNanoseconds(CLOCK_BOOTTIME) / (1_000_000_000 / perSecond)
    }
}

/// `clock_gettime` in nanoseconds; also serves `ProcessCPU`.
@inline(__always)
internal func clockNanoseconds(_ clock: clockid_t) -> UInt64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}
