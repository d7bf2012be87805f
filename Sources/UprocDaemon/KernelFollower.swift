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
        if result.overrun || result.error != nil {
            rescan()
            if state.tracker.table.hasTrees { logIncompleteTrees(reason: result.overrun ? "overrun" : "receive_error") }
        }
    }

    /// Lineage is known only from `/proc` for what happened while events
    /// were lost or before the daemon ran: a process already reparented
    /// (to init or a subreaper) is not known as a descendant of its tree.
    func logIncompleteTrees(reason: String) {
        state.limiter.log(
            state.logger, .warning, kind: "lineage-" + reason, "tree namespaces may be incomplete: lineage known from /proc only",
            metadata: ["reason": "\(reason)"])
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
            refresh(tgid, exec: true)
        case .uid(let pid, let tgid, let ruid, let euid):
            guard pid == tgid else { return }
            // A login writes the login UID, then sets the user's UIDs: the
            // UID event is when login rules catch it without an exec.
            if stale || readsLoginUID || !state.tracker.setUIDs(tgid, ruid: ruid, euid: euid) { refresh(tgid) }
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
            if _slowPath(state.tracker.table.hasTrees) { forkedRead(parent: parentTGID, child: child) } else { refresh(child) }
            return
        }
        inheritance.inherited(child, forkedAt: timestamp)
    }

    /// A fork whose child's identity must be read, under tree rules: the
    /// child still descends from its parent (when the parent is known and
    /// the child is not).
    private func forkedRead(parent: Int32, child: Int32) {
        guard state.tracker.identity(of: child) == nil, state.tracker.identity(of: parent) != nil else { return refresh(child) }
        inheritance.settled(child)
        switch reader.lookUp(child, reading: state.tracker.table.usedKeys) {
        case .found(let identity):
            if !state.tracker.fork(parent: parent, child: child, identity: identity) { state.tracker.upsert(child, identity) }
        case .gone, .unreadable:
            // Gone already: its own children's FORKs may be queued; its EXIT removes it.
            _ = state.tracker.fork(parent: parent, child: child)
        }
    }

    /// Rules on the login UID: UID events re-read it.
    private var readsLoginUID: Bool { state.tracker.table.usedKeys.contains(.loginuid) }

    /// Makes `pid`'s entry what `/proc` says now; gone is gone (under tree
    /// rules at its EXIT: see `removeRead`). A process
    /// that cannot be read keeps its entry (the failure is counted). Under
    /// `exe` rules the executable is read at `exec` and for a process not
    /// known yet (otherwise it is what it was: only an exec changes it).
    func refresh(_ pid: Int32, exec: Bool = false) {
        inheritance.settled(pid)
        let keys = state.tracker.table.usedKeys
        switch reader.lookUp(pid, reading: keys) {
        case .found(let identity) where keys.contains(.exe) && (exec || state.tracker.identity(of: pid) == nil):
            state.tracker.upsert(pid, identity, executable: reader.executable(of: pid))
        case .found(let identity): state.tracker.upsert(pid, identity)
        case .gone: removeRead(pid)
        case .unreadable: break
        }
    }

    /// A process `/proc` shows gone (or a zombie) before its EXIT was read.
    /// Under tree rules it stays until that EXIT: FORK events of children
    /// it made before it exited may still be queued, and each needs its
    /// parent to join its trees. Otherwise it goes now.
    func removeRead(_ pid: Int32) {
        if !state.tracker.table.hasTrees { state.tracker.remove(pid) }
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
        let keys = state.tracker.table.usedKeys
        if keys.contains(.exe) {
            // Executables are read at exec: the scan's processes need theirs.
            for (pid, identity) in snapshot {
                if let path = reader.executable(of: pid) { state.tracker.upsert(pid, identity, executable: path) }
            }
        }
        adoptParents()
        verifyBefore = MonotonicClock.nanoseconds()
        return .success(())
    }

    /// Under tree rules, links the processes whose parent is unknown to the
    /// parent `/proc` shows (after a scan, or when the first tree rule comes).
    func adoptParents() {
        guard state.tracker.table.hasTrees else { return }
        state.tracker.adoptParents { [reader] pid in reader.parentAndStart(of: pid)?.parent }
    }

    /// Notes from now on whether a FORK or EXIT names `pid` (0: none).
    func expectEvent(of pid: Int32) {
        expected = pid
        expectedSeen = false
    }
}
