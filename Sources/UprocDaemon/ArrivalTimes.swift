/// `--min-interval`: per namespace, the rate limiter's theoretical arrival
/// time (GCRA: when its bucket is next full), kept in 4 bytes: milliseconds of
/// CLOCK_MONOTONIC modulo 2^32 (100,000 namespaces: 0.4 MB, not 0.8).
///
/// An arrival is never set more than two intervals ahead (GCRA with a
/// bucket of two), so a stored time further ahead than that is an old one
/// seen through the wrap-around and reads as past; one that wraps into the
/// window holds its file back at most one interval, once in 49.7 days.
struct ArrivalTimes {
    private var milliseconds: [UInt32]
    /// Two intervals (and the millisecond of rounding), in milliseconds.
    private let horizon: UInt32
    /// One write per this many ns, in the long run.
    let interval: UInt64

    /// For `count` namespaces rate-limited to one write per `interval` ns.
    init(count: Int, interval: UInt64) {
        milliseconds = Array(repeating: 0, count: count)
        horizon = UInt32(truncatingIfNeeded: 2 &* interval / 1_000_000 &+ 1)
        self.interval = interval
    }

    /// Makes room for namespaces below `count` (a template's, made after
    /// the table's).
    mutating func reserve(_ count: Int) {
        if count > milliseconds.count { milliseconds += Array(repeating: 0, count: count - milliseconds.count) }
    }

    /// Nil when namespace `index` may be written at `now`, else when it may.
    @inline(__always)
    func notBefore(_ index: Int, now: UInt64) -> UInt64? {
        let arrival = arrival(index, now: now)
        return arrival > now &+ interval ? arrival &- interval : nil
    }

    /// Namespace `index` was written at `now`: its bucket holds one write less.
    @inline(__always)
    mutating func wrote(_ index: Int, now: UInt64) {
        set(index, arrival(index, now: now) &+ interval)
    }

    /// Namespace `index`'s arrival time in nanoseconds (to the millisecond
    /// below: the limiter errs by less than 1 ms towards writing), or `now`
    /// when it is not ahead of it.
    func arrival(_ index: Int, now: UInt64) -> UInt64 {
        let current = Self.milliseconds(now)
        let ahead = milliseconds[index] &- current
        guard ahead > 0 && ahead <= horizon else { return now }
        return (now / 1_000_000 &+ UInt64(ahead)) &* 1_000_000
    }

    /// Sets namespace `index`'s arrival time (at most two intervals after now).
    mutating func set(_ index: Int, _ nanoseconds: UInt64) {
        milliseconds[index] = Self.milliseconds(nanoseconds)
    }

    private static func milliseconds(_ nanoseconds: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: nanoseconds / 1_000_000)
    }
}
