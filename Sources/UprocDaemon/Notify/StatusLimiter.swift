/// Decides when a `STATUS=` line goes to systemd: only when it changed, and
/// at most once per `interval`; a change inside the interval is held, and
/// `deadline` says when to offer the latest text again. Pure: the caller
/// passes CLOCK_MONOTONIC nanoseconds and arms a timer for `deadline`.
struct StatusLimiter: Sendable {
    let interval: UInt64
    private var lastSent: String?
    private var lastSentAt: UInt64?
    /// A change was held back by the interval.
    private var holding = false

    init(interval: UInt64 = 1_000_000_000) {
        self.interval = interval
    }

    /// The text to send now, or nil (unchanged, or held until `deadline`).
    mutating func offer(_ status: String, now: UInt64) -> String? {
        guard status != lastSent else {
            holding = false
            return nil
        }
        if let lastSentAt, now &- lastSentAt < interval {
            holding = true
            return nil
        }
        lastSent = status
        lastSentAt = now
        holding = false
        return status
    }

    /// When to offer the held change again; nil when nothing is held.
    var deadline: UInt64? {
        guard holding, let lastSentAt else { return nil }
        return lastSentAt &+ interval
    }
}
