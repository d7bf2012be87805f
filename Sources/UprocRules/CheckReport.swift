/// What `uproc-check` prints and how it exits, computed without touching
/// the OS so tests can call it.
public struct CheckReport: Hashable, Sendable {
    public enum Status: Int32, Hashable, Sendable {
        case valid = 0
        case invalid = 1
        /// The file could not be read, or the command line was wrong.
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

    /// Compiles `source`: diagnostics to standard error; on success the
    /// table (with `dump`) and a one-line summary to standard output; on
    /// failure a count of the problems to standard error.
    ///
    /// With `explaining`, a valid config is followed by why that process is
    /// in each of its namespaces and not in the near misses.
    public init(
        checking source: SourceFile,
        with compiler: RuleCompiler,
        dump: Bool = false,
        warningsAsErrors: Bool = false,
        explaining process: (pid: Int32, identity: ProcessIdentity)? = nil
    ) {
        let compilation = compiler.compile(source)
        var diagnostics = compilation.diagnostics
        if warningsAsErrors {
            for index in diagnostics.indices where diagnostics[index].severity == .warning {
                diagnostics[index].severity = .error
            }
        }
        let errors = diagnostics.count { $0.severity == .error }
        let warnings = diagnostics.count { $0.severity == .warning }
        standardError = DiagnosticRenderer.render(diagnostics, in: source)
        standardOutput = ""
        if errors == 0, let table = compilation.table {
            if dump { standardOutput += table.dump() }
            standardOutput += "\(source.path): valid: \(Self.count(compilation.ruleCount, "rule")), "
                + "\(Self.count(table.namespaceCount, "namespace")), \(Self.count(warnings, "warning"))\n"
            if let process {
                standardOutput += MembershipExplanation.explain(pid: process.pid, identity: process.identity, table: table)
            }
            status = .valid
        } else {
            standardError += "\(source.path): invalid: \(Self.count(errors, "error")), \(Self.count(warnings, "warning"))\n"
            status = .invalid
        }
    }

    /// The report for a file that could not be read.
    public init(unreadable reason: String) {
        self.init(standardOutput: "", standardError: "uproc-check: \(reason)\n", status: .unusable)
    }

    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
