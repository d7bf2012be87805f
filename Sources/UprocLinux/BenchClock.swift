import Glibc

/// The monotonic clock in nanoseconds, for timing benchmark rounds.
public enum BenchClock {
    /// The corresponding C function is `clock_gettime(CLOCK_MONOTONIC)`.
    @inline(__always)
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}

extension BenchClock {
    /// Sleeps at least `milliseconds` on the monotonic clock, resuming after
    /// signals. The corresponding C function is `clock_nanosleep`.
    public static func sleep(milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while clock_nanosleep(CLOCK_MONOTONIC, 0, &request, &remaining) == EINTR {
            request = remaining
        }
    }
}
