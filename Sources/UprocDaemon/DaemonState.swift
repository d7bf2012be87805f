import Logging
import UprocConfig
import UprocRules
import UprocTracker

/// What the daemon's parts share: the options, the rules and the process
/// table (each part keeps its own counters). Confined to the loop thread.
final class DaemonState {
    let options: DaemonOptions
    let logger: Logger
    var config: LoadedConfig
    var tracker: Tracker
    /// Kernel event → file written, timed only when metrics are kept.
    var eventLatency: EventLatency?
    /// Accounting of namespaces' usage, when any is accounted (else nil:
    /// an event costs one branch).
    var accounting: AccountingFollower?
    /// Bounds how often each kind of error is logged.
    var limiter = LogLimiter()
    /// Returns freed heap to the kernel after start-up and reloads.
    let heapTrimmer = HeapTrimmer()

    init(options: DaemonOptions, logger: Logger, config: LoadedConfig) {
        self.options = options
        self.logger = logger
        self.config = config
        tracker = Tracker(table: config.table)
        if options.metricsFile != nil { eventLatency = EventLatency() }
    }
}
