import UprocEvents
import UprocLinux
import UprocRules
import UprocTracker

/// Follows the kernel's process events into the process table: subscribes,
/// applies each event, and rebuilds the table from `/proc` when events were
/// lost. What events leave uncertain is checked by two parts of its own
/// (`InheritanceChecks`, `LeaderExits`). A part of the daemon's loop: one
/// reader source, a timer and a post handler.
final class KernelFollower {
    let inheritance: InheritanceChecks
    let leaderExits: LeaderExits
    let events = EventCounts()
    let overruns = Counter("overruns", family: "kernel_drops",
                           help: "Times the kernel dropped process events (ENOBUFS); each is followed by a /proc rescan.")
    let receiveErrors = Counter("receive_errors",
                                help: "Failed receives from the kernel other than drops; each is followed by a /proc rescan.")
    let rescans = Counter("rescans", help: "Scans of /proc: at start, after drops and receive errors, after reloads needing new facts.")
    let pauses = Counter("pauses", help: "Times uprocd stopped reading kernel events for a moment (at most 5 ms) in a storm, so that one wake-up handles many (--min-interval).")

    let state: DaemonState
    let connector: ProcConnector
    let mode: SubscriptionMode
    let reader: ProcReader
    /// Events stamped before this instant (CLOCK_MONOTONIC ns) may describe a
    /// state older than the last `/proc` scan: they are checked against
    /// `/proc` instead of being applied blindly.
    private var verifyBefore: UInt64 = 0
    /// When to set the socket aside in a storm, and the timer that drains it then.
    private var burst: BurstHold
    private var holdTimer: LoopTimer?
    private weak var loop: EventLoop?
    /// FORK events (processes and threads) applied so far, for `burst`.
    private var forks = 0
    /// A process whose FORK or EXIT is expected (`SelfTest`), and whether one came.
    private var expected: Int32 = 0
    private(set) var expectedSeen = false

    /// Opens `/proc` and subscribes to the kernel's process events.
    init(state: DaemonState, reader: ProcReader) throws(DaemonError) {
        self.state = state
        self.reader = reader
        inheritance = InheritanceChecks(state: state, reader: reader)
        leaderExits = LeaderExits(state: state, reader: reader, inheritance: inheritance)
        burst = BurstHold(minimumInterval: state.options.minimumInterval)
        do {
            connector = try ProcConnector(receiveBufferSize: state.options.netlinkReceiveBuffer)
            mode = try connector.subscribe()
        } catch {
            // Where /proc/self tells why the kernel refuses or is silent, say it.
            throw .kernel("cannot follow the kernel's process events: \(error.explained())")
        }
    }

    /// Registers the socket, the burst hold's timer, the checks' timers, and
    /// a post handler that takes a held batch in a round run for other work
    /// (add it before the publisher's: what it drains is written in the same
    /// round).
    func attach(to loop: EventLoop) throws(SystemCallError) {
        self.loop = loop
        try loop.addReader(connector.fileDescriptor) { [unowned self] in socketReadable() }
        holdTimer = loop.addTimer { [unowned self] in holdEnded() }
        inheritance.attach(to: loop)
        leaderExits.attach(to: loop)
        loop.addPostHandler { [unowned self] in
            if burst.isHolding && burst.mayEndEarly(at: MonotonicClock.nanoseconds()) { holdEnded() }
        }
    }

    /// Drains the socket; in a storm, then sets it aside for a moment (the
    /// files of what was drained are written after this round as always).
    private func socketReadable() {
        let woke = MonotonicClock.nanoseconds()
        let forksBefore = forks
        let result = drain()
        // Held, only an error (ENOBUFS) calls this: the hold goes on.
        guard !burst.isHolding else { return }
        if let hold = burst.woke(at: woke, events: result.events, forks: forks &- forksBefore, more: result.more,
                                 now: MonotonicClock.nanoseconds()) {
            pauses.add()
            loop?.setWatching(connector.fileDescriptor, false)
            holdTimer?.schedule(afterNanoseconds: hold)
        }
    }

    /// A hold is over, or the loop woke for other work during it: drain
    /// what queued meanwhile; hold again while the burst goes on, else watch
    /// the socket again.
    private func holdEnded() {
        let result = drain()
        if let hold = burst.held(events: result.events, more: result.more, now: MonotonicClock.nanoseconds()) {
            if hold > 0 { pauses.add() }
            holdTimer?.schedule(afterNanoseconds: hold)
        } else {
            holdTimer?.cancel()
            loop?.setWatching(connector.fileDescriptor, true)
        }
    }

    /// Stops the kernel's events (best effort) before a clean exit.
    func unsubscribe() { connector.unsubscribe() }

    /// Reads queued datagrams, for at most `drainBudget`, and applies their
    /// events. The rest waits for the next round: the files are written in
    /// between, so a stream of events handled no faster than it arrives (a
    /// storm over heavy rules) cannot hold every change back.
    @discardableResult
    func drain() -> DrainResult {
        let result = connector.drain(budget: Self.drainBudget) { event in apply(event) }
        handle(result)
        return result
    }

    /// How long one round may spend on kernel events.
    static let drainBudget: UInt64 = 20_000_000

    /// After a drain: lost messages (ENOBUFS) or a failed receive mean the
    /// table may be wrong, so it is rebuilt from `/proc`.
    func handle(_ result: DrainResult) {
        events.received(result.events)
        if let error = result.error {
            receiveErrors.add()
            state.limiter.log(
                state.logger, .error, kind: "receive", "cannot receive process events; rescanning /proc",
                metadata: ["error": "\(error)", "receive_errors": "\(receiveErrors.value)"])
        }
        if result.overrun {
            overruns.add()
            state.limiter.log(
                state.logger, .warning, kind: "overrun", "the kernel dropped process events; rescanning /proc",
                metadata: ["overruns": "\(overruns.value)"])
        }
        if result.overrun || result.error != nil { rescan() }
    }

    /// Applies one kernel event. Threads are not processes: only events of
    /// thread-group leaders (or naming the group) change anything.
    func apply(_ event: ProcEvent) {
        applyToTable(event)
        if let accounting = state.accounting { accounting.applied(event) }
    }

    private func applyToTable(_ event: ProcEvent) {
        events.count(event.kind)
        state.eventLatency?.noted(event.timestamp)
        let stale = event.timestamp < verifyBefore
        switch event.kind {
        case .fork(let parentPID, let parentTGID, let childPID, let childTGID):
            forks &+= 1
            guard childPID == childTGID else {  // a new thread
                leaderExits.threadStarted(in: childTGID)
                return
            }
            forked(parentPID: parentPID, parentTGID: parentTGID, child: childTGID, timestamp: event.timestamp, stale: stale)
        case .exec(_, let tgid):
            // comm changes, and a set-uid binary changes euid with no UID event.
            refresh(tgid)
        case .uid(let pid, let tgid, let ruid, let euid):
            guard pid == tgid else { return }
            if stale || !state.tracker.setUIDs(tgid, ruid: ruid, euid: euid) { refresh(tgid) }
        case .gid(let pid, let tgid, let rgid, let egid):
            guard pid == tgid else { return }
            if stale || !state.tracker.setGIDs(tgid, rgid: rgid, egid: egid) { refresh(tgid) }
        case .comm(let pid, let tgid, let comm):
            // A non-leader thread's name is not what /proc/<tgid>/comm says.
            guard pid == tgid else { return }
            if stale || !state.tracker.setComm(tgid, comm) { refresh(tgid) }
        case .exit(let pid, let tgid):
            guard pid == tgid else {
                leaderExits.threadExited(in: tgid)
                return
            }
            if tgid == expected { expectedSeen = true }
            leaderExits.leaderExited(tgid)
        case .ack:
            break
        }
    }

    /// FORK of a new process. A child forked by a non-leader thread has that
    /// thread's credentials and name, which may not be its leader's: read at
    /// once. Otherwise inherit now, verify after the window.
    private func forked(parentPID: Int32, parentTGID: Int32, child: Int32, timestamp: UInt64, stale: Bool) {
        leaderExits.started(child)
        if child == expected { expectedSeen = true }
        if stale || parentPID != parentTGID || !state.tracker.fork(parent: parentTGID, child: child) {
            refresh(child)
            return
        }
        inheritance.inherited(child, forkedAt: timestamp)
    }

    /// Makes `pid`'s entry what `/proc` says now; gone is gone. A process
    /// that cannot be read keeps its entry (the failure is counted).
    func refresh(_ pid: Int32) {
        inheritance.settled(pid)
        switch reader.lookUp(pid, reading: state.tracker.table.usedKeys) {
        case .found(let identity): state.tracker.upsert(pid, identity)
        case .gone: state.tracker.remove(pid)
        case .unreadable: break
        }
    }

    /// Rebuilds the process table from `/proc`. Events queued before the scan
    /// ended are checked against `/proc` when they are drained. When `/proc`
    /// cannot be listed the table (and so every file) stays as it was: an
    /// empty listing would look like "every process is gone".
    @discardableResult
    func rescan() -> Result<Void, SystemCallError> {
        rescans.add()
        var snapshot = ScanSnapshot()
        snapshot.reserveCapacity(state.tracker.processCount + 256)
        do {
            // A process that cannot be read is not gone: it keeps its entry.
            try reader.scan(reading: state.tracker.table.usedKeys, unreadable: { pid in
                if let known = state.tracker.identity(of: pid) { snapshot.append(pid, known) }
            }) { pid, identity in
                snapshot.append(pid, identity)
                leaderExits.mayHaveThreads(pid)
            }
        } catch {
            state.limiter.log(
                state.logger, .error, kind: "scan", "cannot scan /proc; the namespace files are left as they were",
                metadata: ["error": "\(error)", "scan_failures": "\(reader.scanFailures)"])
            return .failure(error)
        }
        state.tracker.reconcile(with: snapshot, republishAll: false)
        verifyBefore = MonotonicClock.nanoseconds()
        return .success(())
    }

    /// Notes from now on whether a FORK or EXIT names `pid` (0: none).
    func expectEvent(of pid: Int32) {
        expected = pid
        expectedSeen = false
    }
}
