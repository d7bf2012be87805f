import UprocLinux
import UprocTracker

/// What the kernel's events leave uncertain, and when to look at `/proc`
/// instead:
///
/// - A FORK event names the child's `real_parent`: under CLONE_PARENT the
///   creator's parent. The child's identity is copied from the process the
///   event names (no `/proc` read on the hot path) but only as a guess:
///   each inherited identity still unverified `inheritanceWindow` after its
///   fork is read from `/proc`. A child that execs (re-read then) or exits
///   first costs nothing.
/// - An EXIT of a thread-group leader ends the process only when no other
///   thread runs. Processes that may have threads (a thread was seen
///   starting, or they predate the last scan) are checked at their leader's
///   EXIT; one that lives on is "leaderless" and checked again at each of its
///   threads' EXITs, `leaderlessRecheck` after each, and every
///   `leaderlessIdle` until it is gone.
final class IdentityChecks {
    /// Children whose identity was inherited, with when to verify them
    /// (CLOCK_MONOTONIC ns), in fork order; `head` is the next one.
    var pending: [(pid: Int32, due: UInt64)] = []
    var head = 0
    /// Set while a child's inherited identity is unverified.
    var unverified = PIDBitmap()
    /// Set for processes that may have more than one thread.
    var threaded = PIDBitmap()
    /// Processes whose leader thread exited while other threads ran.
    var leaderless: [Int32] = []
    var timer: LoopTimer?
    /// The start-up self-test's child, and whether an event named it.
    var selfTestPID: Int32 = 0
    var selfTestSeen = false

    /// How long an inherited identity is trusted unverified. With the
    /// publish interval this bounds how long a file can show a wrong one.
    static let inheritanceWindow: UInt64 = 50_000_000
    /// How late the checks may run to share a wake-up with other work: in
    /// a fork storm one falls due after every fork, and a wake-up each would
    /// cost more than the checks.
    static let accuracy: UInt64 = 5_000_000
    /// A leaderless process is checked again this soon after its leader's or
    /// one of its threads' EXIT (the exiting thread may still be counted),
    /// and otherwise every `leaderlessIdle` (its threads' EXITs tell).
    static let leaderlessRecheck: UInt64 = 10_000_000
    static let leaderlessIdle: UInt64 = 1_000_000_000
    /// When leaderless processes are checked next; 0: at the idle pace.
    var leaderlessSoon: UInt64 = 0

    /// Records an inherited identity to verify after the window.
    @inline(__always)
    func inherited(_ pid: Int32, forkedAt timestamp: UInt64) {
        unverified[pid] = true
        let due = timestamp &+ Self.inheritanceWindow
        pending.append((pid, due))
        timer?.scheduleNoLaterThan(due)
    }

    /// The next queued child due by `now`, or nil.
    func nextDue(by now: UInt64) -> Int32? {
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

    /// When the timer must fire next.
    func scheduleNext(now: UInt64) {
        var next = UInt64.max
        if head < pending.count { next = pending[head].due }
        if !leaderless.isEmpty {
            next = min(next, leaderlessSoon > now ? leaderlessSoon : now &+ Self.leaderlessIdle)
        }
        if next != .max { timer?.scheduleNoLaterThan(next) }
    }

    func isLeaderless(_ pid: Int32) -> Bool { !leaderless.isEmpty && leaderless.contains(pid) }
}

extension KernelFollower {
    /// FORK of a new process. A child forked by a non-leader thread has that
    /// thread's credentials and name, which may not be its leader's: read at
    /// once. Otherwise inherit now, verify after the window.
    func forked(parentPID: Int32, parentTGID: Int32, child: Int32, timestamp: UInt64, stale: Bool) {
        checks.threaded[child] = false
        if child == checks.selfTestPID { checks.selfTestSeen = true }
        if stale || parentPID != parentTGID || !state.tracker.fork(parent: parentTGID, child: child) {
            refresh(child)
            return
        }
        checks.inherited(child, forkedAt: timestamp)
    }

    /// A thread started in `tgid`: its leader's EXIT may not end it.
    @inline(__always)
    func threadStarted(in tgid: Int32) {
        checks.threaded[tgid] = true
    }

    /// EXIT of thread `pid` of process `tgid`.
    func exited(_ pid: Int32, _ tgid: Int32) {
        if pid == tgid {
            if tgid == checks.selfTestPID { checks.selfTestSeen = true }
            guard checks.threaded[tgid] else {
                state.tracker.remove(tgid)
                return
            }
            leaderExited(tgid)
        } else if checks.isLeaderless(tgid) {
            recheckLeaderless(tgid)
            recheckSoon()
        }
    }

    /// The leader of a process that may have threads exited: it lives on
    /// while another thread runs (`Threads:` counts the exiting leader).
    private func leaderExited(_ tgid: Int32) {
        state.statistics.procReads &+= 1
        guard let threads = reader.threadCount(of: tgid), threads > 1 else {
            forget(tgid)
            return
        }
        state.statistics.leaderExits &+= 1
        if !checks.isLeaderless(tgid) { checks.leaderless.append(tgid) }
        recheckSoon()
    }

    private func recheckSoon() {
        let now = MonotonicClock.nanoseconds()
        checks.leaderlessSoon = now &+ IdentityChecks.leaderlessRecheck
        checks.scheduleNext(now: now)
    }

    /// Gone (a zombie whose threads have all ended counts as gone) or still running.
    private func recheckLeaderless(_ tgid: Int32) {
        state.statistics.procReads &+= 1
        switch reader.lookUp(tgid, reading: state.tracker.table.usedKeys) {
        case .found(let identity): state.tracker.upsert(tgid, identity)
        case .gone: forget(tgid)
        case .unreadable: break
        }
    }

    private func forget(_ tgid: Int32) {
        state.tracker.remove(tgid)
        checks.threaded[tgid] = false
        checks.unverified[tgid] = false
        if let index = checks.leaderless.firstIndex(of: tgid) { checks.leaderless.remove(at: index) }
    }

    /// The timer: verifies inherited identities whose window has passed and
    /// rechecks leaderless processes.
    func runDueChecks() {
        let now = MonotonicClock.nanoseconds()
        let keys = state.tracker.table.usedKeys
        while let pid = checks.nextDue(by: now) {
            guard checks.unverified[pid] else { continue }
            checks.unverified[pid] = false
            guard let guessed = state.tracker.identity(of: pid) else { continue }
            state.statistics.procReads &+= 1
            state.statistics.inheritanceChecks &+= 1
            switch reader.lookUp(pid, reading: keys) {
            case .found(let truth) where truth != guessed:
                state.statistics.inheritanceCorrections &+= 1
                state.tracker.upsert(pid, truth)
            case .found, .unreadable:
                break
            case .gone:
                state.tracker.remove(pid)
            }
        }
        if !checks.leaderless.isEmpty && (checks.leaderlessSoon == 0 || checks.leaderlessSoon <= now) {
            // After the quick recheck, the idle pace.
            if checks.leaderlessSoon != 0 { checks.leaderlessSoon = 0 }
            for tgid in checks.leaderless { recheckLeaderless(tgid) }
        }
        checks.scheduleNext(now: now)
    }

    /// After a scan every listed process may have threads: their leaders'
    /// EXITs are checked.
    func markScanned(_ pid: Int32) {
        checks.threaded[pid] = true
    }
}
