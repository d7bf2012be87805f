import ArgumentParser
import UprocConfig
import UprocKill
import UprocLinux
import UprocRules

/// uproc-kill: signals the members of namespaces through pidfds.
struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uproc-kill",
        abstract: "Signal the processes of uprocd namespaces: each member once, never a process that is not one.",
        usage: "uproc-kill [-s <signal> | -<signal>] [--dry-run] [--wait [--timeout <seconds>]] [-d <directory>] [-c <file>] <namespace> ...",
        discussion: """
            Each PID listed in DIRECTORY/NAMESPACE is held through a pidfd, its identity read \
            from /proc, and it is signalled only if it is still alive and still satisfies the \
            rule of a named namespace (compiled from the same config as uprocd's). What is \
            checked is membership, not which process wrote the list: a PID reused by another \
            process is signalled only when that process satisfies the rule too (it is a member \
            then); a process in several named namespaces is signalled once. A tree namespace's \
            member is re-checked by its ancestry: it, or an ancestor, is a root, or uprocd's \
            lineage (DIRECTORY/.uprocd.lineage, matched by PID and start time) lists it in the \
            tree, as it does a double-forked daemon. Signals are names (TERM, SIGKILL, hup, RTMIN+1) or numbers, as kill(1) \
            takes them; -9 and -KILL as the first argument mean -s 9 and -s KILL.

            Exit status: 0 at least one process signalled (with --dry-run: would be), and with \
            --wait all of them exited; 1 no process signalled (none listed, none still a member, \
            or every one refused by the kernel); 2 nothing done: no such namespace, no uprocd \
            serving the directory (a namespace file missing and nothing holding the directory's \
            lock), the directory or a namespace file missing, unreadable or not trusted (a symlink, not owned by root \
            or the caller, writable by group or others), the config unreadable or invalid or \
            without the namespace, or a kernel without pidfd_open (before Linux 5.3); 3 with \
            --wait, some signalled process still running at --timeout; 64 bad usage (also a bad \
            signal).
            """,
        version: "uproc-kill \(uprocVersion)")

    @Option(name: [.short, .customLong("signal")], help: ArgumentHelp("Signal to send: a name or a number, as kill(1) takes it.", valueName: "signal"))
    var signal: String = "TERM"

    @Flag(name: .customLong("dry-run"), help: "Print the PID and comm of each process that would be signalled; signal nothing.")
    var dryRun = false

    @Flag(help: "Wait until every signalled process has exited.")
    var wait = false

    @Option(help: ArgumentHelp("With --wait: stop waiting after this many seconds, a decimal number from 0 to 999999999 (default: no limit).", valueName: "seconds"))
    var timeout: String?

    @Option(name: [.short, .customLong("directory")], help: ArgumentHelp("Directory of namespace files, as given to uprocd.", valueName: "directory"))
    var directory: String = DefaultPaths.directory

    @Option(name: [.short, .customLong("config")], help: ArgumentHelp("Rules file (default: as uprocd: /etc/uproc.conf, else the built-in default).", valueName: "file"))
    var config: String?

    @Argument(help: ArgumentHelp("Namespaces whose processes to signal.", valueName: "namespace"))
    var namespaces: [String] = []

    /// The checks of the whole command line. Not `validate()`: the parser
    /// runs that before it reports an unknown option, which would then be
    /// hidden behind "no namespace given".
    func check() throws {
        guard KillSignal(signal) != nil else { throw ValidationError("unknown signal '\(signal)'") }
        if namespaces.isEmpty { throw ValidationError("no namespace given") }
        if let timeout {
            guard wait else { throw ValidationError("--timeout needs --wait") }
            guard KillTimeout.nanoseconds(timeout) != nil else {
                throw ValidationError("--timeout must be a decimal number of seconds from 0 to \(KillTimeout.maximumSeconds) "
                    + "(e.g. 5 or 0.5), not '\(timeout)'")
            }
        }
        if wait && dryRun { throw ValidationError("--wait and --dry-run exclude each other") }
    }

    func run() throws {
        let timeoutNanoseconds = timeout.flatMap(KillTimeout.nanoseconds)
        let request = KillRequest(
            signal: KillSignal(signal) ?? .terminate, namespaces: namespaces, dryRun: dryRun, wait: wait,
            timeoutNanoseconds: timeoutNanoseconds,
            directory: directory, configPath: config)
        let report: KillReport
        do {
            report = try UprocKill.run(request)
        } catch {
            StandardStreams.writeError(KillMessages.describe(error))
            throw ExitCode(KillMessages.fatalStatus)
        }
        let (output, errors) = KillMessages.describe(report, timeout: timeoutNanoseconds.map { Double($0) / 1e9 })
        StandardStreams.write(output, errors)
        let status = KillMessages.status(of: report)
        if status != 0 { throw ExitCode(status) }
    }

    /// Runs with `arguments` (without the program name), taking `-9` /
    /// `-KILL` as the first argument as kill(1) does.
    static func main(arguments: [String]) {
        do {
            var command = try parseAsRoot(SignalShorthand.expand(arguments))
            try (command as? KillCommand)?.check()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
