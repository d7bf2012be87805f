import UprocEvents
import UprocLinux
import UprocRules
import UprocTracker

/// Follows the kernel's process events into the process table: subscribes,
/// applies each event, and rebuilds the table from `/proc` when events were
/// lost. A part of the daemon's loop: one reader source and one post handler.
final class KernelFollower {
    let state: DaemonState
    let connector: ProcConnector
    let mode: SubscriptionMode
    let reader: ProcReader
    /// Inherited identities to verify, leaders that exited before their threads.
    let checks = IdentityChecks()
    /// Events stamped before this instant (CLOCK_MONOTONIC ns) may describe a
    /// state older than the last `/proc` scan: they are checked against
    /// `/proc` instead of being applied blindly.
    private var verifyBefore: UInt64 = 0
    /// When the loop last went back to waiting, and how many wake-ups in a
    /// row came sooner than `burstGap` after it.
    private var waitStarted: UInt64 = 0
    private var quickWakeups = 0

    /// Events arriving sooner than this after the loop went back to waiting,
    /// `burstWakeups` times in a row, are a burst (a fork and its exec are
    /// not).
    static let burstGap: UInt64 = 1_000_000
    static let burstWakeups = 3

    /// Opens `/proc` and subscribes to the kernel's process events.
    init(state: DaemonState, reader: ProcReader) throws(DaemonError) {
        self.state = state
        self.reader = reader
        do {
            connector = try ProcConnector(receiveBufferSize: state.options.netlinkReceiveBuffer)
            mode = try connector.subscribe()
        } catch {
            // Where we can tell why the kernel is silent, say it.
            let why = error == .noAcknowledgement ? TrivialChild.namespaceObstacle().map { " (\($0))" } ?? "" : ""
            throw .kernel("cannot follow the kernel's process events: \(error)\(why)")
        }
    }

    /// Registers the socket, and the burst pause to run after every round
    /// (add it after the publisher's: files are written before the pause).
    func attach(to loop: EventLoop) throws(SystemCallError) {
        try loop.addReader(connector.fileDescriptor) { [unowned self] in
            let quick = MonotonicClock.nanoseconds() &- waitStarted < Self.burstGap
            quickWakeups = quick ? quickWakeups &+ 1 : 0
            drain()
        }
        checks.timer = loop.addTimer { [unowned self] in runDueChecks() }
    }

    /// The post handler: in a burst each wake-up would carry one event and
    /// cost more than handling it, so let events queue for a moment instead.
    /// Files are already written, so no change waits on this.
    func pauseIfBursting() {
        let pause = min(state.options.minimumInterval, 5_000_000)
        if quickWakeups >= Self.burstWakeups && pause > 0 {
            state.statistics.pauses &+= 1
            MonotonicClock.sleep(nanoseconds: pause)
        }
        waitStarted = MonotonicClock.nanoseconds()
    }

    /// Stops the kernel's events (best effort) before a clean exit.
    func unsubscribe() { connector.unsubscribe() }

    /// Reads queued datagrams, for at most `drainBudget`, and applies their
    /// events. The rest waits for the next round: the files are written in
    /// between, so a stream of events handled no faster than it arrives (a
    /// storm over heavy rules) cannot hold every change back.
    func drain() {
        let result = connector.drain(budget: Self.drainBudget) { event in apply(event) }
        handle(result)
    }

    /// How long one round may spend on kernel events.
    static let drainBudget: UInt64 = 20_000_000

    /// After a drain: lost messages (ENOBUFS) or a failed receive mean the
    /// table may be wrong, so it is rebuilt from `/proc`.
    func handle(_ result: DrainResult) {
        state.statistics.events &+= result.events
        if let error = result.error {
            state.statistics.receiveErrors &+= 1
            state.limiter.log(
                state.logger, .error, kind: "receive", "cannot receive process events; rescanning /proc",
                metadata: ["error": "\(error)", "receive_errors": "\(state.statistics.receiveErrors)"])
        }
        if result.overrun {
            state.statistics.overruns &+= 1
            state.limiter.log(
                state.logger, .warning, kind: "overrun", "the kernel dropped process events; rescanning /proc",
                metadata: ["overruns": "\(state.statistics.overruns)"])
        }
        if result.overrun || result.error != nil { rescan() }
    }

    /// Applies one kernel event. Threads are not processes: only events of
    /// thread-group leaders (or naming the group) change anything.
    func apply(_ event: ProcEvent) {
        state.statistics.eventTypes.count(event.kind)
        state.eventLatency?.noted(event.timestamp)
        let stale = event.timestamp < verifyBefore
        switch event.kind {
        case .fork(let parentPID, let parentTGID, let childPID, let childTGID):
            guard childPID == childTGID else {  // a new thread
                threadStarted(in: childTGID)
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
            exited(pid, tgid)
        case .ack:
            break
        }
    }

    /// Makes `pid`'s entry what `/proc` says now; gone is gone. A process
    /// that cannot be read keeps its entry (the failure is counted).
    func refresh(_ pid: Int32) {
        state.statistics.procReads &+= 1
        checks.unverified[pid] = false
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
        state.statistics.rescans &+= 1
        var snapshot = ScanSnapshot()
        snapshot.reserveCapacity(state.tracker.processCount + 256)
        do {
            // A process that cannot be read is not gone: it keeps its entry.
            try reader.scan(reading: state.tracker.table.usedKeys, unreadable: { pid in
                if let known = state.tracker.identity(of: pid) { snapshot.append(pid, known) }
            }) { pid, identity in
                snapshot.append(pid, identity)
                markScanned(pid)
            }
        } catch {
            state.statistics.scanFailures &+= 1
            state.limiter.log(
                state.logger, .error, kind: "scan", "cannot scan /proc; the namespace files are left as they were",
                metadata: ["error": "\(error)", "scan_failures": "\(state.statistics.scanFailures)"])
            return .failure(error)
        }
        state.tracker.reconcile(with: snapshot, republishAll: false)
        verifyBefore = MonotonicClock.nanoseconds()
        return .success(())
    }
}
