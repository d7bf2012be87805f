import UprocLinux

/// Bounds the share of the daemon's time spent rewriting large namespace
/// files, so heavy but legal rules (1,000 namespaces of 20,000 PIDs, each
/// rewritten at every change) cannot keep it writing all the time: after a
/// round that spent `w` ns on large files, large files wait `w × (100 −
/// share) / share` before the next round, and one round stops taking large
/// files after `maxRound`. Changes arriving meanwhile coalesce into the
/// next rewrite. Small files are not held back: they are cheap, and the
/// common case stays immediate. A change thus reaches a large file within
/// about 2.5 rounds of large writes (`maxRound` caps a round at 100 ms).
struct PublishBudget {
    let deferrals = Counter("publish_deferrals",
                            help: "Rewrites of large files held back by the publishing budget; their changes were coalesced into a later rewrite.")
    /// Files of at least this many PIDs (about 6 KB) are large.
    static let largeFile = 1024
    /// Percent of the time large writes may take.
    static let share: UInt64 = 40
    static let maxRound: UInt64 = 100_000_000

    /// Large files wait until this instant (CLOCK_MONOTONIC ns).
    private(set) var largeNotBefore: UInt64 = 0
    private var roundSpent: UInt64 = 0
    /// Large files held back this round.
    private(set) var heldBack = 0

    /// Whether a file of `count` PIDs may be written at `now`; a large one
    /// held back is counted.
    mutating func admits(_ count: Int, at now: UInt64) -> Bool {
        guard count >= Self.largeFile, !allowsLarge(at: now) else { return true }
        holdBack()
        return false
    }

    /// Runs `write`, a write of `count` PIDs: a large one spends the budget.
    mutating func timing<E: Error>(_ count: Int, _ write: () throws(E) -> Void) throws(E) {
        guard count >= Self.largeFile else { return try write() }
        let started = MonotonicClock.nanoseconds()
        defer { spent(MonotonicClock.nanoseconds() &- started) }
        try write()
    }

    func allowsLarge(at now: UInt64) -> Bool {
        now >= largeNotBefore && roundSpent < Self.maxRound
    }

    mutating func holdBack() {
        heldBack &+= 1
        deferrals.add()
    }

    mutating func spent(_ nanoseconds: UInt64) { roundSpent &+= nanoseconds }

    /// Closes a round: returns when held-back large files are due, or nil.
    mutating func endRound(at now: UInt64) -> UInt64? {
        if roundSpent > 0 {
            largeNotBefore = now &+ roundSpent &* (100 &- Self.share) / Self.share
            roundSpent = 0
        }
        defer { heldBack = 0 }
        return heldBack > 0 ? max(largeNotBefore, now &+ 1) : nil
    }
}
