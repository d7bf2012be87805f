import Glibc

/// CLOCK_REALTIME, for the few figures meant for people and dashboards
/// (a metric's "time of the last successful reload"), never for intervals.
package enum WallClock {
    /// Seconds since the Unix epoch. The corresponding C function is `clock_gettime`.
    package static func secondsSinceEpoch() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
