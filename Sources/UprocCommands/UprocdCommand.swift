import ArgumentParser
import Logging
import UprocAccounts
import UprocConfig
import UprocDaemon
import UprocLinux
import UprocRules

struct UprocdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uprocd",
        abstract: "Keep one file of PIDs per namespace, live from the kernel's process events.",
        discussion: """
            Rules come from /etc/uproc.conf (see uproc.conf(5)); without it, and without -c, \
            uprocd runs on the rules uproc-genconf prints: uid.<user> for every user and \
            gid.<group> for every group. Each namespace is a file in DIRECTORY holding its \
            PIDs in ascending order, one per line, replaced atomically.

            Editing the config reloads it (inotify on its directory; passwd and group too \
            when the rules name users or groups, or without a config file): a config that \
            does not compile, cannot be read or has no rules is logged and the old rules kept.

            Signals: SIGTERM, SIGINT stop cleanly (namespace files removed, and the directory \
            when uprocd created it and nothing else is in it); SIGHUP reloads \
            the rules (a config with errors is logged and the old rules kept); SIGUSR1 logs \
            statistics.

            Under systemd (Type=notify, NOTIFY_SOCKET set) it reports READY=1, RELOADING=1, \
            STATUS=, STOPPING=1 and WATCHDOG=1; with stderr on the journal (JOURNAL_STREAM) \
            log lines carry <N> priorities and no timestamps. --metrics-file keeps \
            Prometheus metrics (see uprocd(8), METRICS); --account NAME counts what a \
            namespace's processes use, shown by uproc-top (see uprocd(8), ACCOUNTING).

            Exit status: 0 after a clean stop; 1 when the config is unreadable or invalid, the \
            directory is refused or in use by another uprocd (also when another uprocd took its \
            path over while this one ran), or the kernel's process events cannot be followed; \
            64 on bad usage.
            """,
        version: "uprocd \(uprocVersion)"
    )

    @Option(name: [.short, .customLong("config")], help: ArgumentHelp("Rules file (default: /etc/uproc.conf, else the built-in default).", valueName: "file"))
    var config: String?

    @Option(name: .customLong("netlink-rcvbuf"), help: ArgumentHelp("Netlink receive buffer to ask the kernel for (4096 to 1073741824).", valueName: "bytes"))
    var netlinkReceiveBuffer: Int = DaemonOptions.defaultReceiveBuffer

    @Option(name: .customLong("min-interval"), help: ArgumentHelp("Rewrite a namespace file at most once per this many milliseconds (0: at once; at most 60000).", valueName: "ms"))
    var minimumInterval: Int = DaemonOptions.defaultMinimumIntervalMilliseconds

    @Option(name: .customLong("audit-interval"), help: ArgumentHelp("Rescan /proc every this many seconds to correct and count drift, logged as a warning (0: never).", valueName: "seconds"))
    var auditInterval: Int = DaemonOptions.defaultAuditIntervalSeconds

    @Option(name: .customLong("metrics-file"), help: ArgumentHelp("Keep Prometheus metrics in this file (e.g. node_exporter's textfile directory, *.prom), rewritten atomically when they change.", valueName: "path"))
    var metricsFile: String?

    @Option(name: .customLong("metrics-interval"), help: ArgumentHelp("Rewrite the metrics file at most once per this many seconds, and sample accounted members as often (1 to 3600).", valueName: "seconds"))
    var metricsInterval: Int = DaemonOptions.defaultMetricsIntervalSeconds

    @Option(name: .customLong("metrics-namespaces"), help: ArgumentHelp("Export the process count of at most this many namespaces, those with the most processes (0: none).", valueName: "count"))
    var metricsNamespaces: Int = DaemonOptions.defaultMetricsNamespaces

    @Option(name: .customLong("max-namespaces"), help: ArgumentHelp("At most this many namespaces at once, rules' and templates' together (default 1000000): a template that would make more is capped and logged.", valueName: "count"))
    var maxNamespaces: Int = DaemonOptions.defaultMaxNamespaces
    @Option(name: .customLong("account"), help: ArgumentHelp("Account this namespace's CPU, memory, I/O and exits (repeatable), besides those --metrics-file exports (see uprocd(8), ACCOUNTING).", valueName: "name"))
    var account: [String] = []

    @Flag(name: .customLong("no-exit-records"), help: "Account from /proc samples alone, without the kernel's exit records (processes shorter than --metrics-interval are not counted).")
    var noExitRecords = false

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String = "info"

    @Flag(name: .customLong("allow-empty"), help: "Run on a config with no rules (otherwise an error at start, refused at reload).")
    var allowEmpty = false

    // For tests only: the passwd and group files the built-in default is
    // generated from, the names in rules are looked up in (instead of NSS),
    // and whose changes reload the rules (default /etc/passwd:/etc/group,
    // with lookups through NSS).
    @Option(name: .customLong("accounts-files"), help: ArgumentHelp(visibility: .hidden))
    var accountsFiles: String?

    @Argument(help: ArgumentHelp("Directory of namespace files.", valueName: "directory"))
    var directory: String = DefaultPaths.directory

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)' (trace, debug, info, notice, warning, error or critical)")
        }
        if let problem = DaemonOptions.rangeProblem(netlinkReceiveBuffer: netlinkReceiveBuffer,
                                                    minimumIntervalMilliseconds: minimumInterval) {
            throw ValidationError(problem)
        }
        if let accountsFiles, accountsFiles.split(separator: ":").count != 2 {
            throw ValidationError("--accounts-files takes PASSWD:GROUP")
        }
        guard auditInterval >= 0 else { throw ValidationError("--audit-interval cannot be negative") }
        guard (1...3600).contains(metricsInterval) else {
            throw ValidationError("--metrics-interval \(metricsInterval) is out of range (1 to 3600 s)")
        }
        guard metricsNamespaces >= 0 else { throw ValidationError("--metrics-namespaces cannot be negative") }
        guard maxNamespaces >= 1 else { throw ValidationError("--max-namespaces must be at least 1") }
        if let metricsFile, metricsFile.isEmpty || metricsFile.hasSuffix("/") {
            throw ValidationError("--metrics-file needs a file name")
        }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        // Under systemd with stderr to the journal: `<N>` priorities, no timestamps.
        let mode = JournalLogHandler.detectedMode()
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label, mode: mode)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "uprocd")
        var options = DaemonOptions(
            configPath: config,
            directory: directory,
            netlinkReceiveBuffer: netlinkReceiveBuffer,
            minimumInterval: UInt64(minimumInterval) * 1_000_000)
        options.auditInterval = UInt64(auditInterval) * 1_000_000_000
        options.allowEmpty = allowEmpty
        if let files = accountsFiles?.split(separator: ":").map(String.init), files.count == 2 {
            options.accountsFiles = .files(passwd: files[0], group: files[1])
        }
        options.metricsFile = metricsFile
        options.metricsInterval = UInt64(metricsInterval) * 1_000_000_000
        options.metricsNamespaces = metricsNamespaces
        options.maxNamespaces = maxNamespaces
        options.accountedNames = account
        options.noExitRecords = noExitRecords
        let daemon: Daemon
        do {
            daemon = try Daemon(options: options, logger: logger)
        } catch {
            printError(error, logger: mode == .journal ? logger : nil)
            throw ExitCode.failure
        }
        // Another daemon took the directory over: said once already; the
        // status lets systemd restart or stop this one as configured.
        if case .directoryTaken = daemon.run() { throw ExitCode.failure }
    }
}

/// Diagnostics print as they are; one-line errors get the program's name.
/// Under the journal (`logger`) each error is one record at priority 3,
/// a diagnostic's source line and caret included.
func printError(_ error: DaemonError, logger: Logger? = nil) {
    if var logger {
        logger.logLevel = min(logger.logLevel, .error)  // even with --log-level critical
        logger.error("\(error)")
        return
    }
    switch error {
    case .config(.invalid(let diagnostics, _)):
        StandardStreams.writeError(diagnostics)
    default:
        StandardStreams.writeError("uprocd: error: \(error)\n")
    }
}
