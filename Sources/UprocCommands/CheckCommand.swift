import ArgumentParser
import UprocAccounts
import UprocCheck
import UprocConfig
import UprocLinux
import UprocRules
import UprocTracker

/// uproc-check: checks a config the way uprocd would load it.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uproc-check",
        abstract: "Check a uproc.conf: report every error with its position, or summarize the rules.",
        discussion: """
            Without FILE, checks /etc/uproc.conf, or, when it does not exist, the built-in default \
            uprocd runs on (the rules uproc-genconf prints), summarized as <built-in default>.

            Exit status: 0 valid; 1 invalid; 2 nothing checked (the file cannot be read, or the \
            process given to --explain does not exist or cannot be read); 64 bad usage.
            """,
        version: "uproc-check \(uprocVersion)")

    @Argument(help: "The configuration to check ('-' for standard input; default: as uprocd, /etc/uproc.conf, else the built-in default).")
    var file: String?

    @Flag(help: "Print the compiled table: per key, each value and its namespaces.")
    var dump = false

    @Flag(help: "Treat warnings as errors.")
    var werror = false

    @Option(help: ArgumentHelp("Explain which namespaces this live process is in, and which rules it misses.", valueName: "pid"))
    var explain: Int32?

    @Option(name: [.short, .customLong("directory")], help: ArgumentHelp("uprocd's directory, whose lineage file --explain reads for tree namespaces (default: /run/uproc).", valueName: "directory"))
    var directory = DefaultPaths.directory

    // For tests: the file that stands for /etc/uproc.conf, and the passwd
    // and group files the built-in default is generated from.
    @Option(name: .customLong("default-config"), help: ArgumentHelp(visibility: .hidden))
    var defaultConfig = DefaultPaths.config

    @Option(name: .customLong("accounts-files"), help: ArgumentHelp(visibility: .hidden))
    var accountsFiles: String?

    func validate() throws {
        if let accountsFiles, accountsFiles.split(separator: ":").count != 2 {
            throw ValidationError("--accounts-files takes PASSWD:GROUP")
        }
    }

    func run() throws {
        var process: (pid: Int32, identity: ProcessIdentity)?
        var lineage: LineageContext?
        if let pid = explain {
            let reader = try ProcReader()
            let report: CheckReport
            switch reader.lookUp(pid, reading: [.ids, .cmd, .loginuid]) {
            case .found(let identity):
                process = (pid, identity)
                lineage = lineageContext(pid, identity, reader)
            case .gone:
                report = CheckReport(noSuchProcess: pid)
                StandardStreams.write(report.standardOutput, report.standardError)
                throw ExitCode(report.status.rawValue)
            case .unreadable:
                report = CheckReport(unreadable: "cannot read process \(pid): \(reader.lastReadFailure.map { "\($0)" } ?? "")")
                StandardStreams.write(report.standardOutput, report.standardError)
                throw ExitCode(report.status.rawValue)
            }
        }
        let report = check(explaining: process, lineage: lineage)
        StandardStreams.write(report.standardOutput, report.standardError)
        if report.status != .valid { throw ExitCode(report.status.rawValue) }
    }

    /// Reads the rules the way uprocd picks them, and checks them.
    func check(explaining process: (pid: Int32, identity: ProcessIdentity)?, lineage: LineageContext? = nil) -> CheckReport {
        // As uprocd: names through NSS, or the files --accounts-files gave.
        let resolver: any AccountResolver
        if case .files(let passwd, let group) = accounts, accountsFiles != nil {
            resolver = FileAccounts(passwd: passwd, group: group)
        } else {
            resolver = SystemAccounts()
        }
        let compiler = RuleCompiler(accounts: resolver)
        switch RulesSource.choose(path: file, defaultPath: defaultConfig) {
        case .file(let path):
            do {
                let bytes = try FileReading.read(path, limit: SourceFile.maxSize)
                let source = SourceFile(path: path == "-" ? "<stdin>" : path, bytes: bytes)
                return CheckReport(checking: source, with: compiler, dump: dump, warningsAsErrors: werror, explaining: process,
                                   lineage: lineage)
            } catch {
                return CheckReport(unreadable: error.description)
            }
        case .builtInDefault:
            let builtIn: (source: SourceFile, warnings: [AccountWarning])
            do {
                builtIn = try StarterConfig.builtInDefault(from: accounts)
            } catch {
                return CheckReport(unreadable: "cannot build the built-in default: \(error)")
            }
            var report = CheckReport(
                checking: builtIn.source, with: compiler, dump: dump, warningsAsErrors: werror, explaining: process, lineage: lineage,
                inputWarnings: builtIn.warnings.map { InputWarning(origin: "\($0.origin)", message: $0.message) })
            report.standardError = CheckReport.builtInDefaultNote(defaultPath: defaultConfig) + report.standardError
            return report
        }
    }

    /// The process's ancestry in /proc (up to init) and uprocd's lineage
    /// file, for tree rules.
    func lineageContext(_ pid: Int32, _ identity: ProcessIdentity, _ reader: ProcReader) -> LineageContext {
        var chain = [ProcessAncestor(pid: pid, identity: identity, executable: reader.executable(of: pid))]
        let start = reader.parentAndStart(of: pid)?.start
        var current = pid
        while chain.count < 4096, let parent = reader.parentAndStart(of: current)?.parent, parent > 0,
              let found = reader.identity(of: parent, reading: [.ids, .cmd, .loginuid]) {
            chain.append(ProcessAncestor(pid: parent, identity: found, executable: reader.executable(of: parent)))
            current = parent
        }
        let path = directory + "/" + NamespaceDirectory.lineageName
        let snapshot = (try? FileReading.read(path, limit: 256 << 20)).flatMap { try? LineageSnapshot.decode($0) }
        return LineageContext(chain: chain, start: start, lineage: snapshot, lineagePath: path)
    }

    var accounts: AccountsSource {
        guard let files = accountsFiles?.split(separator: ":").map(String.init), files.count == 2 else { return .systemFiles }
        return .files(passwd: files[0], group: files[1])
    }
}
