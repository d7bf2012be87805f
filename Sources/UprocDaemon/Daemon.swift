import Logging
import UprocLinux
import UprocRules
import UprocTracker

/// The daemon: kernel events in, namespace files out.
///
/// One thread runs everything: an epoll loop over the netlink socket, a
/// signalfd and a timerfd. Start-up order matters: subscribe first, then scan
/// `/proc`, then drain the socket, so that no process can slip between the
/// scan and the first event.
public final class Daemon {
    let options: DaemonOptions
    let logger: Logger
    var config: LoadedConfig
    var tracker: Tracker
    let reader: ProcReader
    let connector: ProcConnector
    let directory: NamespaceDirectory
    let loop: EventLoop
    let signals: SignalFD
    let timer: TimerFD
    var statistics = DaemonStatistics()
    /// Events stamped before this instant (CLOCK_MONOTONIC ns) may describe a
    /// state older than the last `/proc` scan: they are checked against
    /// `/proc` instead of being applied blindly.
    var verifyBefore: UInt64 = 0
    /// Per namespace: the rate limiter's theoretical arrival time (ns), for
    /// `--min-interval`; 0 for a namespace never written.
    var publishArrival: [UInt64]
    var timerArmedUntil: UInt64 = 0
    /// When the loop last went back to waiting, and whether the netlink
    /// socket woke it again soon enough to call it a burst.
    var waitStarted: UInt64 = 0
    /// Consecutive wake-ups that came sooner than `burstGap`.
    var quickWakeups = 0
    /// Until the first publish: the directory holds no namespace file.
    var directoryIsFresh = true
    var stopping = false

    /// Events arriving sooner than this after the loop went back to waiting,
    /// `burstWakeups` times in a row, are a burst (a fork and its exec are
    /// not).
    static let burstGap: UInt64 = 1_000_000
    static let burstWakeups = 3
    /// The pause after a round in a burst: at most 5 ms, and never longer
    /// than `--min-interval` (0 means every change at once, so no pause).
    var batchPause: UInt64 { min(options.minimumInterval, 5_000_000) }

    static let signalsHandled = [SignalNumber.terminate, SignalNumber.interrupt, SignalNumber.hangUp, SignalNumber.user1]

    private enum Token: Int {
        case netlink, signal, timer
    }

    /// Blocks the daemon's signals in the calling thread. Call first thing in
    /// `main`, before any other thread exists, so that every thread inherits
    /// the mask and the signals reach only the signalfd.
    public static func blockSignals() {
        Signals.block(signalsHandled)
    }

    /// Loads the rules, claims the directory, subscribes to the kernel, scans
    /// `/proc` and writes every namespace file.
    public init(options: DaemonOptions, logger: Logger) throws(DaemonError) {
        let start = MonotonicClock.nanoseconds()
        self.options = options
        self.logger = logger

        do {
            config = try ConfigLoader.load(path: options.configPath)
        } catch {
            throw .config(error)
        }
        for warning in config.warnings {
            logger.warning("\(warning)")
        }
        tracker = Tracker(table: config.table)
        publishArrival = Array(repeating: 0, count: config.table.namespaceCount)
        do {
            reader = try ProcReader()
        } catch {
            throw .kernel("cannot read /proc: \(error)")
        }

        do {
            directory = try NamespaceDirectory(path: options.directory)
        } catch {
            throw .directory(error)
        }
        if !directory.isTmpfs {
            logger.warning("directory is not on tmpfs: every update is a disk write", metadata: ["directory": "\(options.directory)"])
        }

        let mode: SubscriptionMode
        do {
            connector = try ProcConnector(receiveBufferSize: options.netlinkReceiveBuffer)
            mode = try connector.subscribe()
            loop = try EventLoop()
            signals = try SignalFD(signals: Self.signalsHandled)
            timer = try TimerFD()
        } catch {
            directory.removeAll()
            throw .kernel("cannot follow the kernel's process events: \(error)")
        }
        do {
            try loop.register(connector.fileDescriptor, token: Token.netlink.rawValue)
            try loop.register(signals.fileDescriptor, token: Token.signal.rawValue)
            try loop.register(timer.fileDescriptor, token: Token.timer.rawValue)
        } catch {
            directory.removeAll()
            throw .kernel("cannot set up the event loop: \(error)")
        }

        let scanStart = MonotonicClock.nanoseconds()
        rescan()
        let scanEnd = MonotonicClock.nanoseconds()
        publishDue(now: scanEnd)
        HeapTrim.releaseFreeMemory()
        let ready = MonotonicClock.nanoseconds()
        logger.info(
            "started",
            metadata: [
                "config": "\(config.origin)",
                "directory": "\(options.directory)",
                "filter": "\(mode == .filtered ? "filtered" : "unfiltered")",
                "rcvbuf": "\(connector.receiveBufferSize)",
                "processes": "\(tracker.processCount)",
                "namespaces": "\(config.table.namespaceCount)",
                "scan_ms": "\(milliseconds(scanEnd - scanStart))",
                "startup_ms": "\(milliseconds(ready - start))",
            ])
    }

    /// Serves until SIGTERM or SIGINT, then removes the namespace files.
    public func run() {
        while !stopping {
            loop.wait(timeoutMilliseconds: -1) { token in
                switch Token(rawValue: token) {
                case .netlink:
                    let quick = MonotonicClock.nanoseconds() &- waitStarted < Self.burstGap
                    quickWakeups = quick ? quickWakeups &+ 1 : 0
                    drainKernel()
                case .signal: handleSignals()
                case .timer: timer.acknowledge(); timerArmedUntil = 0
                case nil: break
                }
            }
            guard !stopping else { break }
            publishDue(now: MonotonicClock.nanoseconds())
            if quickWakeups >= Self.burstWakeups && batchPause > 0 {
                // In a burst each wake-up would carry one event and cost more
                // than handling it: let events queue for a moment instead.
                // Files are already written, so no change waits on this.
                statistics.pauses &+= 1
                MonotonicClock.sleep(nanoseconds: batchPause)
            }
            waitStarted = MonotonicClock.nanoseconds()
        }
        connector.unsubscribe()
        directory.removeAll()
        logger.info("stopped", metadata: statistics.metadata)
    }

    private func handleSignals() {
        while let signal = signals.read() {
            switch signal {
            case SignalNumber.terminate, SignalNumber.interrupt:
                logger.info("stopping", metadata: ["signal": "\(signal)"])
                stopping = true
            case SignalNumber.hangUp:
                reload()
            case SignalNumber.user1:
                var metadata = statistics.metadata
                metadata["datagrams"] = "\(connector.statistics.datagrams)"
                metadata["foreign_datagrams"] = "\(connector.statistics.foreignDatagrams)"
                metadata["processes"] = "\(tracker.processCount)"
                metadata["cpu_ns"] = "\(ProcessCPU.selfCPUNanoseconds())"
                logger.info("statistics", metadata: metadata)
            default:
                break
            }
        }
    }
}

func milliseconds(_ nanoseconds: UInt64) -> String {
    let tenths = nanoseconds / 100_000
    return "\(tenths / 10).\(tenths % 10)"
}
