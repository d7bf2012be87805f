import Logging
import UprocLinux
import UprocRules

/// The daemon: kernel events in, namespace files out. This type only wires
/// the parts to one event loop and sequences start-up and stop:
///
/// - `KernelFollower`: the netlink socket → the process table;
/// - `Publisher`: the process table → the namespace files (post handler + timer);
/// - `Reloader`: new rules → the process table;
/// - `ControlSignals`: SIGTERM/SIGINT stop, SIGHUP reloads, SIGUSR1 logs statistics.
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
    private let service: ServiceNotify
    private let metrics: MetricsExporter?
    private let auditor: Auditor
    private let configWatch: ConfigWatch
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
        state = DaemonState(options: options, logger: logger, config: config)

        // Before anything is touched: without /proc every process would look gone.
        let reader: ProcReader
        do { reader = try ProcReader() } catch { throw .proc(error) }
        // The directory is touched only once the kernel's events are sure.
        follower = try KernelFollower(state: state, reader: reader)
        publisher = try Publisher(state: state)
        reloader = Reloader(state: state, publisher: publisher, follower: follower)
        service = ServiceNotify(state: state)
        reloader.observers.append(service)
        if let path = options.metricsFile {
            do { metrics = try MetricsExporter(state: state, follower: follower, path: path) } catch {
                publisher.removeAll()
                throw error
            }
        } else {
            metrics = nil
        }
        auditor = Auditor(state: state, follower: follower)
        configWatch = ConfigWatch(state: state, reloader: reloader)
        reloader.dependenciesChanged = { [configWatch] in configWatch.followRules() }
        do {
            loop = try EventLoop()
            signals = try ControlSignals()
            try follower.attach(to: loop)
            try publisher.attach(to: loop)
            try signals.attach(to: loop)
            service.attach(to: loop)
            metrics?.attach(to: loop)
            auditor.attach(to: loop)
            state.heapTrimmer.attach(to: loop)
        } catch {
            publisher.removeAll()
            throw .kernel("cannot set up the event loop: \(error)")
        }
        signals.on(SignalNumber.terminate) { [unowned self] in stop(signal: SignalNumber.terminate) }
        signals.on(SignalNumber.interrupt) { [unowned self] in stop(signal: SignalNumber.interrupt) }
        signals.on(SignalNumber.hangUp) { [reloader] in reloader.reload(trigger: .signal) }
        signals.on(SignalNumber.user1) { [unowned self] in logStatistics() }
        publisher.guardian.taken = { [unowned self] holder in
            ending = .directoryTaken(holderPID: holder)
            loop.stop()
        }

        do { try follower.selfTest() } catch {
            publisher.removeAll()
            throw error
        }
        let scanStart = MonotonicClock.nanoseconds()
        if case .failure(let error) = follower.rescan() {
            publisher.removeAll()
            throw .proc(error)
        }
        let scanEnd = MonotonicClock.nanoseconds()
        publisher.publishDue()
        configWatch.attach(to: loop)
        metrics?.write()
        service.ready()
        HeapTrim.releaseFreeMemory()
        state.heapTrimmer.trimSoon()
        let ready = MonotonicClock.nanoseconds()
        logger.info(
            "started",
            metadata: [
                "config": "\(config.origin)",
                "directory": "\(options.directory)",
                "filter": "\(follower.mode == .filtered ? "filtered" : "unfiltered")",
                "rcvbuf": "\(follower.connector.receiveBufferSize)",
                "processes": "\(state.tracker.processCount)",
                "namespaces": "\(config.table.namespaceCount)",
                "proc": "\(publisher.procVisibility)",
                "scan_ms": "\(milliseconds(scanEnd - scanStart))",
                "startup_ms": "\(milliseconds(ready - start))",
            ])
    }

    /// Serves until SIGTERM or SIGINT, or until another uprocd serves the
    /// directory's path, then removes the namespace files (and the
    /// directory, if it created it and it is left empty).
    @discardableResult
    package func run() -> Ending {
        loop.run()
        service.stopping()
        metrics?.remove()
        configWatch.stop()
        follower.unsubscribe()
        publisher.removeAll()
        state.logger.info("stopped", metadata: statisticsMetadata())
        return ending
    }

    private func stop(signal: Int32) {
        state.logger.info("stopping", metadata: ["signal": "\(signal)"])
        loop.stop()
    }

    private func logStatistics() {
        state.logger.info("statistics", metadata: statisticsMetadata())
    }

    /// The same fields for SIGUSR1 and at stop.
    private func statisticsMetadata() -> Logger.Metadata { DaemonCounters.metadata(follower.counterSources) }
}

func milliseconds(_ nanoseconds: UInt64) -> String {
    let tenths = nanoseconds / 100_000
    return "\(tenths / 10).\(tenths % 10)"
}
