import UprocRules

/// What `uproc-check` prints and how it exits, worded from a `CheckSummary`
/// without touching the OS, so tests can call it.
public struct CheckReport: Hashable, Sendable {
    /// The exit status.
    public enum Status: Int32, Hashable, Sendable {
        case valid = 0
        case invalid = 1
        /// The file could not be read, no such process (`--explain`), or
        /// the command line was wrong.
        case unusable = 2
    }

    public var standardOutput: String
    public var standardError: String
    public var status: Status

    public init(standardOutput: String, standardError: String, status: Status) {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.status = status
    }

    /// Diagnostics to standard error; when valid, the table (with `dump`)
    /// and a one-line summary to standard output, then, with `explaining`,
    /// why that process is in each of its namespaces and not in the near
    /// misses; when invalid, a count of the problems to standard error.
    public init(
        _ summary: CheckSummary, dump: Bool = false, explaining process: (pid: Int32, identity: ProcessIdentity)? = nil
    ) {
        standardError = summary.renderedDiagnostics
        standardOutput = ""
        let warnings = Self.count(summary.warningCount, "warning")
        if let table = summary.table {
            if dump { standardOutput += table.dump() }
            standardOutput += "\(summary.path): valid: \(Self.count(summary.ruleCount, "rule")), "
                + "\(Self.count(table.namespaceCount, "namespace")), \(warnings)\n"
            if let process {
                standardOutput += MembershipExplanation.explain(pid: process.pid, identity: process.identity, table: table)
            }
            status = .valid
        } else {
            standardError += "\(summary.path): invalid: \(Self.count(summary.errorCount, "error")), \(warnings)\n"
            status = .invalid
        }
    }

    /// Checks `source` with `compiler` and words the outcome.
    public init(
        checking source: SourceFile,
        with compiler: RuleCompiler,
        dump: Bool = false,
        warningsAsErrors: Bool = false,
        explaining process: (pid: Int32, identity: ProcessIdentity)? = nil
    ) {
        self.init(
            CheckSummary(checking: source, with: compiler, warningsAsErrors: warningsAsErrors),
            dump: dump, explaining: process)
    }

    /// The report for a file that could not be read.
    public init(unreadable reason: String) {
        self.init(standardOutput: "", standardError: "uproc-check: \(reason)\n", status: .unusable)
    }

    /// The report for `--explain` of a PID that is not running.
    public init(noSuchProcess pid: Int32) {
        self.init(unreadable: "no process with PID \(pid)")
    }

    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
