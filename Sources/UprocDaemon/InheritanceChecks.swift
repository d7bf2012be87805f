import UprocLinux
import UprocTracker

/// A FORK event names the child's `real_parent`: under CLONE_PARENT the
/// creator's parent. The child's identity is copied from the process the
/// event names (no `/proc` read on the hot path), but only as a guess: each
/// inherited identity still unverified `window` after its fork is read from
/// `/proc`, and corrected when wrong. A child that execs (read then) or exits
/// first costs nothing. A part of the loop: one timer.
final class InheritanceChecks {
    let checked = Counter("inheritance_checks", help: "Inherited identities read from /proc once their window passed.")
    let corrected = Counter("inheritance_corrections", help: "Inherited identities found wrong when checked, and corrected.")

    private let state: DaemonState
    private let reader: ProcReader
    /// Children whose identity was inherited, with when to verify them
    /// (CLOCK_MONOTONIC ns), in fork order; `head` is the next one.
    private var pending: [(pid: Int32, due: UInt64)] = []
    private var head = 0
    /// Set while a child's inherited identity is unverified.
    private var unverified = PIDBitmap()
    private var timer: LoopTimer?

    /// How long an inherited identity is trusted unverified. With the
    /// publish interval this bounds how long a file can show a wrong one.
    static let window: UInt64 = 50_000_000
    /// How late the checks may run to share a wake-up with other work: in
    /// a fork storm one falls due after every fork, and a wake-up each would
    /// cost more than the checks.
    static let accuracy: UInt64 = 5_000_000

    init(state: DaemonState, reader: ProcReader) {
        self.state = state
        self.reader = reader
    }

    var counters: [any ShownCounter] { [checked, corrected] }

    func attach(to loop: EventLoop) {
        timer = loop.addTimer(accuracy: Self.accuracy) { [unowned self] in verifyDue() }
    }

    /// `pid` took its identity from the process its FORK named: verify it
    /// after the window.
    @inline(__always)
    func inherited(_ pid: Int32, forkedAt timestamp: UInt64) {
        unverified[pid] = true
        let due = timestamp &+ Self.window
        pending.append((pid, due))
        timer?.scheduleNoLaterThan(due)
    }

    /// `pid`'s identity was read from `/proc` (or it is gone): nothing left
    /// to verify.
    @inline(__always)
    func settled(_ pid: Int32) {
        unverified[pid] = false
    }

    /// The timer: reads each inherited identity whose window has passed.
    private func verifyDue() {
        let now = MonotonicClock.nanoseconds()
        let keys = state.tracker.table.usedKeys
        while let pid = nextDue(by: now) {
            guard unverified[pid] else { continue }
            unverified[pid] = false
            guard let guessed = state.tracker.identity(of: pid) else { continue }
            checked.add()
            switch reader.lookUp(pid, reading: keys) {
            case .found(let truth) where truth != guessed:
                corrected.add()
                state.tracker.upsert(pid, truth)
            case .found, .unreadable:
                break
            case .gone:
                // Under tree rules its EXIT removes it (see `KernelFollower.removeRead`).
                if !state.tracker.table.hasTrees { state.tracker.remove(pid) }
            }
        }
        if head < pending.count { timer?.scheduleNoLaterThan(pending[head].due) }
    }

    /// The next queued child due by `now`, or nil.
    private func nextDue(by now: UInt64) -> Int32? {
        guard head < pending.count, pending[head].due <= now else {
            compact()
            return nil
        }
        let pid = pending[head].pid
        head &+= 1
        return pid
    }

    /// Drops consumed entries (amortized: when they are the larger part).
    private func compact() {
        if head > 0 && head &* 2 >= pending.count {
            pending.removeFirst(head)
            head = 0
        }
    }
}
