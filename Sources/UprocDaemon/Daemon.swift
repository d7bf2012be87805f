import Logging
import UprocAccounting
import UprocConfig
import UprocLinux
import UprocRules

/// The daemon: kernel events in, namespace files out. This type only wires
/// the parts to one event loop and sequences start-up and stop:
///
/// - `KernelFollower`: the netlink socket → the process table;
/// - `Publisher`: the process table → the namespace files (post handler + timer);
/// - `Reloader`: new rules → the process table, on SIGHUP or from `ConfigFollower`;
/// - `ControlSignals`: SIGTERM/SIGINT stop, SIGHUP reloads, SIGUSR1 logs statistics;
/// - `SystemdReporter`, `MetricsExporter`, `Auditor`: what others are told and shown;
/// - `AccountingFollower`, when a namespace is accounted: members' usage →
///   the accounting files and the metrics (a reader source and a timer).
///
/// Start-up order matters: subscribe first, then scan `/proc`, then drain
/// the socket, so that no process can slip between the scan and the first
/// event.
package final class Daemon {
    private let state: DaemonState
    private let loop: EventLoop
    private let follower: KernelFollower
    private let publisher: Publisher
    private let reloader: Reloader
    private let signals: ControlSignals
    private let systemd: SystemdReporter
    private let metrics: MetricsExporter?
    private let auditor: Auditor
    private let configFollower: ConfigFollower
    private let counters: DaemonCounters
    private let lineage: LineageKeeper
    private let accounting: AccountingFollower?
    private var ending = Ending.stopped

    /// Why `run` returned.
    package enum Ending: Equatable, Sendable {
        /// SIGTERM or SIGINT: a clean stop.
        case stopped
        /// Another uprocd serves the directory's path now (this daemon's
        /// directory was deleted or moved away and the other started there):
        /// logged once; the path was left to the other.
        case directoryTaken(holderPID: Int32?)
    }

    /// Blocks the daemon's signals in the calling thread. Call first thing in
    /// `main`, before any other thread exists, so that every thread inherits
    /// the mask and the signals reach only the signalfd.
    package static func blockSignals() {
        Signals.block(ControlSignals.handled)
    }

    /// Loads the rules, claims the directory, subscribes to the kernel, scans
    /// `/proc` and writes every namespace file.
    package init(options: DaemonOptions, logger: Logger) throws(DaemonError) {
        let start = MonotonicClock.nanoseconds()
        let config = try Reloader.initialConfig(options: options, logger: logger)
        let state = DaemonState(options: options, logger: logger, config: config)
        self.state = state

        // Before anything is touched: without /proc every process would look gone.
        let reader: ProcReader
        do { reader = try ProcReader() } catch { throw .proc(error) }
        // The directory is touched only once the kernel's events are sure.
        follower = try KernelFollower(state: state, reader: reader)
        let publisher = try Publisher(state: state)
        self.publisher = publisher
        // A start that fails from here on removes the files: none may look live.
        var started = false
        defer { if !started { state.accounting?.removeAll(); publisher.removeAll() } }

        if options.accounts {
            let accounting = try AccountingFollower(state: state)
            state.accounting = accounting
            self.accounting = accounting
        } else {
            accounting = nil
            CompanionDirectory.removeLeftover(parent: options.directory, name: AccountingFile.directoryName)
        }
        reloader = Reloader(state: state, publisher: publisher, follower: follower)
        lineage = LineageKeeper(state: state, directory: publisher.writer.directory, follower: follower,
                                visibility: publisher.procVisibility)
        systemd = SystemdReporter(state: state, drops: follower.overruns, reloads: reloader.reloads)
        auditor = Auditor(state: state, follower: follower)
        configFollower = ConfigFollower(state: state, reloader: reloader)
        counters = DaemonCounters(
            follower: follower, publisher: publisher, reloader: reloader, auditor: auditor, systemd: systemd, lineage: lineage,
            socket: { [connector = follower.connector] in connector.statistics })
        if let path = options.metricsFile {
            metrics = try MetricsExporter(state: state, counters: counters, path: path)
        } else {
            metrics = nil
        }
        do {
            loop = try EventLoop()
            signals = try ControlSignals()
            try attachParts()
        } catch {
            throw .kernel("cannot set up the event loop: \(error)")
        }
        connectParts()
        let scanned = try writeFirstFiles()
        started = true
        logStarted(config: config, scanned: scanned, since: start)
    }

    /// Registers every part's sources with the loop; the follower's post
    /// handler before the publisher's, which is before the guard's.
    private func attachParts() throws(SystemCallError) {
        try follower.attach(to: loop)
        try publisher.attach(to: loop)
        try accounting?.attach(to: loop)
        try signals.attach(to: loop)
        systemd.attach(to: loop)
        metrics?.attach(to: loop)
        auditor.attach(to: loop)
        state.heapTrimmer.attach(to: loop)
        lineage.attach(to: loop)
    }

    /// What one part tells another: signals, reloads, a directory taken over.
    private func connectParts() {
        reloader.observers.append(systemd)
        reloader.dependenciesChanged = { [configFollower] in configFollower.followRules() }
        signals.on(SignalNumber.terminate) { [unowned self] in stop(signal: SignalNumber.terminate) }
        signals.on(SignalNumber.interrupt) { [unowned self] in stop(signal: SignalNumber.interrupt) }
        signals.on(SignalNumber.hangUp) { [reloader] in reloader.reload(trigger: .signal) }
        signals.on(SignalNumber.user1) { [unowned self] in logStatistics() }
        publisher.directoryGuard.taken = { [unowned self] holder in
            ending = .directoryTaken(holderPID: holder)
            loop.stop()
        }
    }

    /// Checks that events arrive, scans `/proc`, writes every namespace file,
    /// then starts watching the config and tells systemd. Returns how long
    /// the scan took (ns).
    private func writeFirstFiles() throws(DaemonError) -> UInt64 {
        try SelfTest.run(follower)
        let scanStart = MonotonicClock.nanoseconds()
        if case .failure(let error) = follower.rescan() { throw .proc(error) }
        lineage.restore()
        let scanned = MonotonicClock.nanoseconds() - scanStart
        publisher.publishDue()
        publisher.dropStaleDynamic()
        accounting?.start()
        configFollower.attach(to: loop)
        metrics?.write()
        systemd.ready()
        Malloc.releaseFreeMemory()
        state.heapTrimmer.trimSoon()
        return scanned
    }

    private func logStarted(config: LoadedConfig, scanned: UInt64, since start: UInt64) {
        state.logger.info(
            "started",
            metadata: [
                "config": "\(config.origin)",
                "directory": "\(state.options.directory)",
                "filter": "\(follower.mode == .filtered ? "filtered" : "unfiltered")",
                "rcvbuf": "\(follower.connector.receiveBufferSize)",
                "processes": "\(state.tracker.processCount)",
                "namespaces": "\(config.table.namespaceCount)",
                "proc": "\(publisher.procVisibility)",
                "scan_ms": "\(milliseconds(scanned))",
                "startup_ms": "\(milliseconds(MonotonicClock.nanoseconds() - start))",
            ])
    }

    /// Serves until SIGTERM or SIGINT, or until another uprocd serves the
    /// directory's path, then removes the namespace files (and the
    /// directory, if it created it and it is left empty).
    @discardableResult
    package func run() -> Ending {
        loop.run()
        systemd.stopping()
        metrics?.remove()
        configFollower.stop()
        follower.unsubscribe()
        // Before the files go: what a restart needs to know trees by.
        lineage.write(force: true)
        accounting?.removeAll()
        publisher.removeAll()
        state.logger.info("stopped", metadata: counters.metadata())
        return ending
    }

    private func stop(signal: Int32) {
        state.logger.info("stopping", metadata: ["signal": "\(signal)"])
        loop.stop()
    }

    /// The same fields as at stop.
    private func logStatistics() {
        state.logger.info("statistics", metadata: counters.metadata())
    }
}

func milliseconds(_ nanoseconds: UInt64) -> String {
    let tenths = nanoseconds / 100_000
    return "\(tenths / 10).\(tenths % 10)"
}
