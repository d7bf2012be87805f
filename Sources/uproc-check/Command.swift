import ArgumentParser
import UprocCheck
import UprocLinux
import UprocRules

@main
struct Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uproc-check",
        abstract: "Check a uproc.conf: report every error with its position, or summarize the rules.",
        discussion: "Exit status: 0 valid, 1 invalid, 2 unreadable file, no such process (--explain) or bad usage.",
        version: uprocVersion)

    @Argument(help: "The configuration to check ('-' for standard input).")
    var file = "/etc/uproc.conf"

    @Flag(help: "Print the compiled table: per key, each value and its namespaces.")
    var dump = false

    @Flag(help: "Treat warnings as errors.")
    var werror = false

    @Option(help: ArgumentHelp("Explain which namespaces this live process is in, and which rules it misses.", valueName: "pid"))
    var explain: Int32?

    func run() throws {
        var process: (pid: Int32, identity: ProcessIdentity)?
        if let pid = explain {
            guard let identity = try ProcReader().identity(of: pid, reading: [.ids, .cmd]) else {
                let report = CheckReport(noSuchProcess: pid)
                StandardStreams.write(report.standardOutput, report.standardError)
                throw ExitCode(report.status.rawValue)
            }
            process = (pid, identity)
        }
        let report: CheckReport
        do {
            let bytes = try FileReading.read(file, limit: SourceFile.maxSize)
            let source = SourceFile(path: file == "-" ? "<stdin>" : file, bytes: bytes)
            report = CheckReport(checking: source, with: RuleCompiler(accounts: SystemAccounts()), dump: dump, warningsAsErrors: werror, explaining: process)
        } catch {
            report = CheckReport(unreadable: error.description)
        }
        StandardStreams.write(report.standardOutput, report.standardError)
        if report.status != .valid { throw ExitCode(report.status.rawValue) }
    }

    /// Bad usage exits 2 like an unreadable file, not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                StandardStreams.write("", fullMessage(for: error) + "\n")
                exit(withError: ExitCode(CheckReport.Status.unusable.rawValue))
            }
            exit(withError: error)
        }
    }
}
