import UprocRules

/// What `uproc-check` prints and how it exits, worded from a `CheckSummary`
/// without touching the OS, so tests can call it.
package struct CheckReport: Hashable, Sendable {
    /// The exit status. Bad usage is not a report: ArgumentParser exits
    /// 64 (`EX_USAGE`), as every uproc tool does.
    package enum Status: Int32, Hashable, Sendable {
        case valid = 0
        case invalid = 1
        /// Nothing was checked: the file could not be read, or the process
        /// given to `--explain` does not exist.
        case unusable = 2
    }

    package var standardOutput: String
    package var standardError: String
    package var status: Status

    package init(standardOutput: String, standardError: String, status: Status) {
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.status = status
    }

    /// Diagnostics to standard error; when valid, the table (with `dump`)
    /// and a one-line summary to standard output, then, with `explaining`,
    /// why that process is in each of its namespaces and not in the near
    /// misses; when invalid, a count of the problems to standard error.
    ///
    /// `inputWarnings` (the accounts the built-in default left out) come
    /// first and count with the compiler's; with `warningsAsErrors` they
    /// are errors.
    package init(
        _ summary: CheckSummary, dump: Bool = false, explaining process: (pid: Int32, identity: ProcessIdentity)? = nil,
        lineage: LineageContext? = nil, inputWarnings: [InputWarning] = [], warningsAsErrors: Bool = false
    ) {
        let severity = warningsAsErrors ? "error" : "warning"
        standardError = inputWarnings.map { "\($0.origin): \(severity): \($0.message)\n" }.joined()
            + summary.renderedDiagnostics
        standardOutput = ""
        let inputErrorCount = warningsAsErrors ? inputWarnings.count : 0
        let warnings = Self.count(summary.warningCount + inputWarnings.count - inputErrorCount, "warning")
        if let table = summary.table, inputErrorCount == 0 {
            if dump { standardOutput += table.dump() }
            standardOutput += "\(summary.path): valid: \(Self.count(summary.ruleCount, "rule")), "
                + "\(Self.count(table.namespaceCount, "namespace")), \(warnings)\n"
            if let process {
                standardOutput += MembershipExplanation.explain(
                    pid: process.pid, identity: process.identity, executable: lineage?.chain.first?.executable, table: table)
                if let lineage { standardOutput += TreeExplanation.explain(lineage, table: table) }
            }
            status = .valid
        } else {
            standardError += "\(summary.path): invalid: \(Self.count(summary.errorCount + inputErrorCount, "error")), \(warnings)\n"
            status = .invalid
        }
    }

    /// Checks `source` with `compiler` and words the outcome.
    package init(
        checking source: SourceFile,
        with compiler: RuleCompiler,
        dump: Bool = false,
        warningsAsErrors: Bool = false,
        explaining process: (pid: Int32, identity: ProcessIdentity)? = nil,
        lineage: LineageContext? = nil,
        inputWarnings: [InputWarning] = []
    ) {
        self.init(
            CheckSummary(checking: source, with: compiler, warningsAsErrors: warningsAsErrors),
            dump: dump, explaining: process, lineage: lineage, inputWarnings: inputWarnings, warningsAsErrors: warningsAsErrors)
    }

    /// The report for a file that could not be read.
    package init(unreadable reason: String) {
        self.init(standardOutput: "", standardError: "uproc-check: \(reason)\n", status: .unusable)
    }

    /// The report for `--explain` of a PID that is not running.
    package init(noSuchProcess pid: Int32) {
        self.init(unreadable: "no process with PID \(pid)")
    }

    /// The line that says which rules were checked when no file was given
    /// and `defaultPath` does not exist.
    package static func builtInDefaultNote(defaultPath: String) -> String {
        "uproc-check: note: no \(defaultPath): checking the built-in default uprocd runs on instead "
            + "(the rules uproc-genconf prints for this machine)\n"
    }

    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}
