/// Decides when a `STATUS=` line goes to systemd: only when it changed, and
/// at most once per `interval`; a change inside the interval is held and sent
/// when the interval ends (the latest text wins). Pure: the caller passes
/// CLOCK_MONOTONIC nanoseconds and arms a timer for `deadline`.
package struct StatusLimiter: Sendable {
    package let interval: UInt64
    package private(set) var lastSent: String?
    private var lastSentAt: UInt64?
    private var pending: String?

    package init(interval: UInt64 = 1_000_000_000) {
        self.interval = interval
    }

    /// The text to send now, or nil (unchanged, or held until `deadline`).
    package mutating func offer(_ status: String, now: UInt64) -> String? {
        guard status != lastSent else {
            pending = nil
            return nil
        }
        if let lastSentAt, now &- lastSentAt < interval {
            pending = status
            return nil
        }
        return send(status, now: now)
    }

    /// When the held text is due; nil when nothing is held.
    package var deadline: UInt64? {
        guard pending != nil, let lastSentAt else { return nil }
        return lastSentAt &+ interval
    }

    /// The held text once its time has come (call when the timer fires).
    package mutating func due(now: UInt64) -> String? {
        guard let pending, let deadline, now >= deadline else { return nil }
        return send(pending, now: now)
    }

    private mutating func send(_ status: String, now: UInt64) -> String {
        lastSent = status
        lastSentAt = now
        pending = nil
        return status
    }
}
