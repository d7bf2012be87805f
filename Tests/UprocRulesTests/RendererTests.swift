import Testing
@testable import UprocRules

@Suite struct RendererTests {
    @Test func rendersLocationLineAndCaret() {
        let source = SourceFile(path: "conf", text: "uid 1 a\nusr 1000 name\n")
        let diagnostic = Fixture.compiler.compile(source).diagnostics[0]
        #expect(DiagnosticRenderer.render(diagnostic, in: source) == """
            conf:2:1: error: unknown key 'usr' (expected uid, gid, ruid, rgid or cmd)
            usr 1000 name
            ^

            """)
    }

    @Test func keepsTabsSoTheCaretLinesUp() {
        let source = SourceFile(path: "conf", text: "\tuid\t1\t../x\r\n")
        let rendered = DiagnosticRenderer.render(Fixture.compiler.compile(source).diagnostics, in: source)
        #expect(rendered == "conf:1:8: error: invalid namespace name '../x': a namespace name cannot start with '.' (reserved for the daemon's own files)\n\tuid\t1\t../x\n\t   \t \t^\n")
    }

    @Test func pointsPastTheEndForAMissingName() {
        let source = SourceFile(path: "/etc/uproc.conf", text: "uid 1000\n")
        let rendered = DiagnosticRenderer.render(Fixture.compiler.compile(source).diagnostics, in: source)
        #expect(rendered == """
            /etc/uproc.conf:1:9: error: missing namespace name (a rule is one or more 'key value' pairs, then a name)
            uid 1000
                    ^

            """)
    }

    @Test func showsControlAndInvalidBytesAsReplacementCharacters() {
        let source = SourceFile(path: "c", bytes: Array("cmd é\u{1}x n".utf8))
        let rendered = DiagnosticRenderer.render(Fixture.compiler.compile(source).diagnostics, in: source)
        #expect(rendered == "c:1:7: error: invalid byte 0x01 (control bytes may only appear in comments)\ncmd é\u{FFFD}x n\n     ^\n")
    }

    @Test func rendersEmptyConfigWarningOnAnEmptyLine() {
        let source = SourceFile(path: "empty", text: "")
        let rendered = DiagnosticRenderer.render(Fixture.compiler.compile(source).diagnostics, in: source)
        #expect(rendered == "empty:1:1: warning: empty configuration: no rules, so no namespaces\n\n^\n")
    }
}
