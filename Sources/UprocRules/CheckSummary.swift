/// The outcome of checking a config as `uproc-check` does, as values: the
/// diagnostics (rendered as the compiler prints them), the counts and, when
/// there is no error, the compiled table. The command words it and picks
/// the exit status.
package struct CheckSummary: Sendable {
    /// The name the source is shown under (`<stdin>` for standard input).
    package let path: String
    /// With `warningsAsErrors`, warnings come back as errors.
    package let diagnostics: [Diagnostic]
    /// `diagnostics` as `file:line:col: severity: message`, the line and a caret.
    package let renderedDiagnostics: String
    package let errorCount: Int
    package let warningCount: Int
    /// Rule lines compiled.
    package let ruleCount: Int
    /// The compiled table; nil when there is an error.
    package let table: DecisionTable?

    package var isValid: Bool { table != nil }

    package init(checking source: SourceFile, with compiler: RuleCompiler, warningsAsErrors: Bool = false) {
        let compilation = compiler.compile(source)
        var diagnostics = compilation.diagnostics
        if warningsAsErrors {
            for index in diagnostics.indices where diagnostics[index].severity == .warning {
                diagnostics[index].severity = .error
            }
        }
        path = source.path
        self.diagnostics = diagnostics
        renderedDiagnostics = DiagnosticRenderer.render(diagnostics, in: source)
        errorCount = diagnostics.count { $0.severity == .error }
        warningCount = diagnostics.count { $0.severity == .warning }
        ruleCount = compilation.ruleCount
        table = errorCount == 0 ? compilation.table : nil
    }
}
