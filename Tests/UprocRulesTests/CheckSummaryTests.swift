import Testing
@testable import UprocRules

/// What a check found, as values (uproc-check words them).
@Suite struct CheckSummaryTests {
    @Test func aValidConfigHasItsTableAndCounts() {
        let summary = CheckSummary(checking: SourceFile(path: "c", text: "uid 0 root\ncmd abcdefghijklmnopq long\n"), with: Fixture.compiler)
        #expect(summary.isValid)
        #expect(summary.path == "c")
        #expect(summary.ruleCount == 2)
        #expect(summary.table?.namespaceNames == ["root", "long"])
        #expect((summary.errorCount, summary.warningCount) == (0, 1))
        #expect(summary.renderedDiagnostics.hasPrefix("c:2:5: warning: cmd 'abcdefghijklmnopq' is 17 bytes"))
    }

    @Test func anErrorLeavesNoTable() {
        let summary = CheckSummary(checking: SourceFile(path: "c", text: "uid 0 a\nusr 1 b\n"), with: Fixture.compiler)
        #expect(!summary.isValid)
        #expect(summary.table == nil)
        #expect(summary.diagnostics.map(\.kind) == [.unknownKey("usr")])
        #expect((summary.errorCount, summary.warningCount) == (1, 0))
    }

    @Test func warningsAsErrorsPromotesEveryWarning() {
        let source = SourceFile(path: "c", text: "cmd abcdefghijklmnopq long\n")
        let strict = CheckSummary(checking: source, with: Fixture.compiler, warningsAsErrors: true)
        #expect(!strict.isValid)
        #expect(strict.diagnostics.map(\.severity) == [.error])
        #expect((strict.errorCount, strict.warningCount) == (1, 0))
        #expect(strict.renderedDiagnostics.hasPrefix("c:1:5: error: cmd 'abcdefghijklmnopq'"))
    }
}
