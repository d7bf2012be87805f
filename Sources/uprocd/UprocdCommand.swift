import ArgumentParser
import Logging
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

            Signals: SIGTERM, SIGINT stop cleanly (namespace files removed); SIGHUP reloads \
            the rules (a config with errors is logged and the old rules kept); SIGUSR1 logs \
            statistics.

            Exit status: 0 after a clean stop; 1 when the config is unreadable or invalid, the \
            directory is refused or in use by another uprocd, or the kernel's process events \
            cannot be followed; 64 on bad usage.
            """,
        version: "uprocd \(uprocVersion)"
    )

    @Option(name: [.short, .customLong("config")], help: ArgumentHelp("Rules file (default: /etc/uproc.conf, else the built-in default).", valueName: "file"))
    var config: String?

    @Option(name: .customLong("netlink-rcvbuf"), help: ArgumentHelp("Netlink receive buffer to ask the kernel for.", valueName: "bytes"))
    var netlinkReceiveBuffer: Int = DaemonOptions.defaultReceiveBuffer

    @Option(name: .customLong("min-interval"), help: ArgumentHelp("Rewrite a namespace file at most once per this many milliseconds (0: at once).", valueName: "ms"))
    var minimumInterval: Int = DaemonOptions.defaultMinimumIntervalMilliseconds

    @Option(name: .customLong("audit-interval"), help: ArgumentHelp("Rescan /proc every this many seconds to correct and count drift, logged as a warning (0: never).", valueName: "seconds"))
    var auditInterval: Int = DaemonOptions.defaultAuditIntervalSeconds

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String = "info"

    @Argument(help: ArgumentHelp("Directory of namespace files.", valueName: "directory"))
    var directory: String = DaemonOptions.defaultDirectory

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)' (trace, debug, info, notice, warning, error or critical)")
        }
        guard netlinkReceiveBuffer > 0 else { throw ValidationError("--netlink-rcvbuf must be positive") }
        guard minimumInterval >= 0 else { throw ValidationError("--min-interval cannot be negative") }
        guard auditInterval >= 0 else { throw ValidationError("--audit-interval cannot be negative") }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
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
        let daemon: Daemon
        do {
            daemon = try Daemon(options: options, logger: logger)
        } catch {
            printError(error)
            throw ExitCode.failure
        }
        daemon.run()
    }
}

/// Diagnostics print as they are; one-line errors get the program's name.
func printError(_ error: DaemonError) {
    switch error {
    case .config(.invalid(let diagnostics, _)):
        StandardStreams.writeError(diagnostics)
    default:
        StandardStreams.writeError("uprocd: error: \(error)\n")
    }
}
