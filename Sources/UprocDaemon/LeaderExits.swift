import UprocLinux
import UprocTracker

/// An EXIT of a thread-group leader ends the process only when no other
/// thread runs. Processes that may have threads (a thread was seen
/// starting, or they predate the last scan) are checked at their leader's
/// EXIT; one that lives on is "leaderless" and checked again at each of its
/// threads' EXITs, `recheck` after each, and every `idle` until it is gone.
/// A part of the loop: one timer.
final class LeaderExits {
    let exits = Counter("leader_exits", help: "Leader threads that exited while other threads of their process ran.")

    private let state: DaemonState
    private let reader: ProcReader
    /// A process found gone is verified no more.
    private let inheritance: InheritanceChecks
    /// Set for processes that may have more than one thread.
    private var threaded = PIDBitmap()
    /// Processes whose leader thread exited while other threads ran.
    private var leaderless: [Int32] = []
    /// When leaderless processes are checked next; 0: at the idle pace.
    private var soon: UInt64 = 0
    private var timer: LoopTimer?

    /// A leaderless process is checked again this soon after its leader's or
    /// one of its threads' EXIT (the exiting thread may still be counted),
    /// and otherwise every `idle` (its threads' EXITs tell).
    static let recheck: UInt64 = 10_000_000
    static let idle: UInt64 = 1_000_000_000

    init(state: DaemonState, reader: ProcReader, inheritance: InheritanceChecks) {
        self.state = state
        self.reader = reader
        self.inheritance = inheritance
    }

    func attach(to loop: EventLoop) {
        timer = loop.addTimer(accuracy: InheritanceChecks.accuracy) { [unowned self] in recheckDue() }
    }

    /// A new process: one thread so far.
    @inline(__always)
    func started(_ pid: Int32) {
        threaded[pid] = false
    }

    /// A thread started in `tgid`: its leader's EXIT may not end it.
    @inline(__always)
    func threadStarted(in tgid: Int32) {
        threaded[tgid] = true
    }

    /// A scan listed `pid`: it may have threads, its leader's EXIT is checked.
    @inline(__always)
    func mayHaveThreads(_ pid: Int32) {
        threaded[pid] = true
    }

    /// EXIT of `tgid`'s leader thread: the process is gone, unless it may
    /// have threads and one still runs (`Threads:` counts the exiting leader).
    func leaderExited(_ tgid: Int32) {
        guard threaded[tgid] else {
            state.tracker.remove(tgid)
            return
        }
        guard let threads = reader.threadCount(of: tgid), threads > 1 else {
            forget(tgid)
            return
        }
        exits.add()
        if !isLeaderless(tgid) { leaderless.append(tgid) }
        recheckSoon()
    }

    /// EXIT of a thread of `tgid` other than its leader.
    func threadExited(in tgid: Int32) {
        guard isLeaderless(tgid) else { return }
        recheck(tgid)
        recheckSoon()
    }

    private func isLeaderless(_ pid: Int32) -> Bool { !leaderless.isEmpty && leaderless.contains(pid) }

    private func recheckSoon() {
        let now = MonotonicClock.nanoseconds()
        soon = now &+ Self.recheck
        scheduleNext(now: now)
    }

    /// Gone (a zombie whose threads have all ended counts as gone) or still running.
    private func recheck(_ tgid: Int32) {
        switch reader.lookUp(tgid, reading: state.tracker.table.usedKeys) {
        case .found(let identity): state.tracker.upsert(tgid, identity)
        case .gone: forget(tgid)
        case .unreadable: break
        }
    }

    private func forget(_ tgid: Int32) {
        state.tracker.remove(tgid)
        threaded[tgid] = false
        inheritance.settled(tgid)
        if let index = leaderless.firstIndex(of: tgid) { leaderless.remove(at: index) }
    }

    /// The timer: rechecks every leaderless process.
    private func recheckDue() {
        let now = MonotonicClock.nanoseconds()
        if !leaderless.isEmpty && (soon == 0 || soon <= now) {
            // After the quick recheck, the idle pace.
            soon = 0
            for tgid in leaderless { recheck(tgid) }
        }
        scheduleNext(now: now)
    }

    private func scheduleNext(now: UInt64) {
        guard !leaderless.isEmpty else { return }
        timer?.scheduleNoLaterThan(soon > now ? soon : now &+ Self.idle)
    }
}
