/// The result of compiling one source.
package struct Compilation: Sendable {
    /// The table, or nil when any error was found.
    package let table: DecisionTable?
    /// All errors and warnings, in source order.
    package let diagnostics: [Diagnostic]
    /// Number of rules read (also when there were errors).
    package let ruleCount: Int

    package init(table: DecisionTable?, diagnostics: [Diagnostic], ruleCount: Int) {
        self.table = table
        self.diagnostics = diagnostics
        self.ruleCount = ruleCount
    }

    package var errorCount: Int { diagnostics.count { $0.severity == .error } }
    package var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}
