/// Times kernel events to the namespace files they changed: the follower
/// notes each event's kernel timestamp (CLOCK_MONOTONIC), the publisher says
/// when a round of writes ended, and each noted event is observed as
/// `end - timestamp`. Events that changed no file are forgotten at the next
/// round that had nothing to write. Only allocated with `--metrics-file`.
struct EventLatency {
    private(set) var histogram = MetricsHistogram.eventToFileSeconds
    /// Timestamps noted since the last write; capacity fixed, no allocation per event.
    private var pending: [UInt64] = []
    /// Events beyond the buffer in one round: timed by the last noted one
    /// (a burst's events are stamped close together, so the error is small).
    private var overflow = 0
    static let capacity = 4096

    init() { pending.reserveCapacity(Self.capacity) }

    @inline(__always)
    mutating func noted(_ timestamp: UInt64) {
        if pending.count < Self.capacity { pending.append(timestamp) } else { overflow &+= 1 }
    }

    /// A round wrote files, its last at `end` (CLOCK_MONOTONIC ns).
    mutating func written(at end: UInt64) {
        for timestamp in pending { histogram.observe(nanoseconds: end > timestamp ? end - timestamp : 0) }
        if overflow > 0, let last = pending.last {
            let latency = end > last ? end - last : 0
            for _ in 0..<overflow { histogram.observe(nanoseconds: latency) }
        }
        forget()
    }

    /// A round with nothing to write: the events noted changed no file.
    mutating func forget() {
        pending.removeAll(keepingCapacity: true)
        overflow = 0
    }
}
