/// The result of compiling one source.
public struct Compilation: Sendable {
    /// The table, or nil when any error was found.
    public let table: DecisionTable?
    /// All errors and warnings, in source order.
    public let diagnostics: [Diagnostic]
    /// Number of rules read (also when there were errors).
    public let ruleCount: Int

    public init(table: DecisionTable?, diagnostics: [Diagnostic], ruleCount: Int) {
        self.table = table
        self.diagnostics = diagnostics
        self.ruleCount = ruleCount
    }

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}
