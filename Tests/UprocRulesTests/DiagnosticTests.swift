import Testing
@testable import UprocRules

/// One line of bad config, the position the diagnostic must point at, and
/// what it must say.
struct DiagnosticCase: CustomStringConvertible, Sendable {
    let input: Marked
    let kind: DiagnosticKind

    init(_ input: String, _ kind: DiagnosticKind) {
        self.input = Marked(input)
        self.kind = kind
    }

    var description: String { input.description }
}

private let errorCases: [DiagnosticCase] = [
    .init("⟨^⟩usr 1000 name", .unknownKey("usr")),
    .init("⟨^⟩UID 1000 name", .unknownKey("UID")),
    .init("⟨^⟩\"uid\" 1000 name", .unknownKey("\"uid\"")),
    .init("⟨xEF⟩⟨xBB⟩⟨xBF⟩uid 1 a\n⟨^⟩⟨xEF⟩⟨xBB⟩⟨xBF⟩uid 2 b", .unknownKey("\u{FEFF}uid")),
    .init("uid 1000 ⟨^⟩extra name more", .unknownKey("extra")),
    .init("⟨^⟩lonely", .unknownKey("lonely")),
    .init("uid⟨^⟩", .missingValue(.uid)),
    .init("\tcmd⟨^⟩   # no value", .missingValue(.cmd)),
    .init("uid 1000⟨^⟩", .missingName),
    .init("uid 1000 cmd sshd⟨^⟩ # name forgotten", .missingName),
    .init("uid 1 ⟨^⟩uid 2 name", .duplicateKey(.uid, firstColumn: 1)),
    .init("gid 1 cmd a ⟨^⟩cmd b name", .duplicateKey(.cmd, firstColumn: 7)),
    .init("uid ⟨^⟩12ab name", .invalidID(.uid, "12ab")),
    .init("gid ⟨^⟩-1 name", .invalidID(.gid, "-1")),
    .init("ruid ⟨^⟩+5 name", .invalidID(.ruid, "+5")),
    .init("rgid ⟨^⟩\"\" name", .invalidID(.rgid, "")),
    .init("uid ⟨^⟩a⟨xFF⟩ name", .invalidID(.uid, "a\\xff")),
    .init("uid ⟨^⟩4294967295 name", .idOutOfRange(.uid, "4294967295")),
    .init("rgid ⟨^⟩99999999999999999999999 name", .idOutOfRange(.rgid, "99999999999999999999999")),
    .init("uid ⟨^⟩carol name", .unknownUser("carol")),
    .init("ruid ⟨^⟩backup name", .unknownUser("backup")),
    .init("gid ⟨^⟩alice name", .unknownGroup("alice")),
    .init("rgid ⟨^⟩staff name", .unknownGroup("staff")),
    .init("cmd ⟨^⟩\"Web Content name", .unterminatedQuote),
    .init("cmd ⟨^⟩\"ends in backslash\\\" name", .unterminatedQuote),
    .init("cmd \"a⟨^⟩\\q\" name", .invalidEscape(UInt8(ascii: "q"))),
    .init("cmd \"a\"⟨^⟩b name", .textAfterQuote),
    .init("cmd ⟨^⟩\"[ab\" name", .unterminatedBracket("[ab")),
    .init("cmd ⟨^⟩x[ name", .unterminatedBracket("x[")),
    .init("uid 1 ⟨^⟩a/b", .invalidName("a/b", .slash)),
    .init("uid 1 ⟨^⟩.hidden", .invalidName(".hidden", .leadingDot)),
    .init("uid 1 ⟨^⟩\"a b\"", .invalidName("a b", .controlOrSpace(0x20))),
    .init("uid 1 ⟨^⟩\"\"", .invalidName("", .empty)),
    .init("uid 1 ⟨^⟩" + String(repeating: "n", count: 256), .invalidName(String(repeating: "n", count: 256), .tooLong(256))),
    .init("uid 1 ⟨^⟩ab⟨xFF⟩", .invalidName("ab\\xff", .invalidUTF8)),
    .init("uid 1 name\nuid 2 ⟨^⟩name", .duplicateName("name", firstLine: 1)),
    .init("uid 1 name\r\n# comment\r\n\r\ncmd x ⟨^⟩name\r\n", .duplicateName("name", firstLine: 1)),
    .init("uid 1 a⟨^⟩⟨x00⟩b", .nulByte),
    .init("cmd \"x⟨^⟩⟨x00⟩\" b", .nulByte),
    .init("uid 1 a⟨^⟩⟨x01⟩b", .invalidByte(0x01)),
    .init("uid 1 a⟨^⟩⟨x0D⟩b", .invalidByte(0x0D)),
    .init("uid 1 ⟨^⟩⟨x7F⟩", .invalidByte(0x7F)),
]

private let warningCases: [DiagnosticCase] = [
    .init("cmd ⟨^⟩abcdefghijklmnopq name", .cmdTooLong("abcdefghijklmnopq", length: 17, processName: "abcdefghijklmno")),
    .init("uid 1 cmd ⟨^⟩\"0123456789 abcdef\" name", .cmdTooLong("0123456789 abcdef", length: 17, processName: "0123456789 abcd")),
    .init("⟨^⟩", .emptyConfig),
    .init("⟨^⟩# nothing but comments\n\n   \t\n# more\n", .emptyConfig),
    .init("cmd ⟨^⟩\"abcdefghijklmnop*\" name", .patternTooLong("abcdefghijklmnop*", minimumLength: 16)),
    .init("cmd ⟨^⟩\"????????????????\" name", .patternTooLong("????????????????", minimumLength: 16)),
    .init("cmd ⟨^⟩" + String(repeating: "k", count: 64) + " name",
          .neverMatches("cmd '\(String(repeating: "k", count: 64))' is 64 bytes but /proc shows names of at most 63")),
    .init("cmd ⟨^⟩\"" + String(repeating: "?", count: 64) + "\" name",
          .neverMatches("pattern '\(String(repeating: "?", count: 64))' needs at least 64 bytes but /proc shows names of at most 63")),
    .init("cmd ⟨^⟩a[z-a] name", .neverMatches("pattern 'a[z-a]' has a '[...]' class that no byte matches")),
]

@Suite struct DiagnosticTests {
    @Test(arguments: errorCases)
    func reportsError(_ testCase: DiagnosticCase) {
        let compilation = Fixture.compiler.compile(testCase.input.source)
        #expect(compilation.table == nil)
        expectOnly(testCase, in: compilation)
    }

    @Test(arguments: warningCases)
    func reportsWarning(_ testCase: DiagnosticCase) {
        let compilation = Fixture.compiler.compile(testCase.input.source)
        #expect(compilation.table != nil)
        #expect(testCase.kind.severity == .warning)
        expectOnly(testCase, in: compilation)
    }

    private func expectOnly(_ testCase: DiagnosticCase, in compilation: Compilation) {
        #expect(compilation.diagnostics.count == 1, "\(compilation.diagnostics.map(\.message))")
        guard let diagnostic = compilation.diagnostics.first, let mark = testCase.input.marks.first else {
            Issue.record("no diagnostic or no mark")
            return
        }
        #expect(diagnostic.kind == testCase.kind)
        #expect(diagnostic.severity == testCase.kind.severity)
        #expect(diagnostic.message == testCase.kind.message)
        #expect(diagnostic.location == SourceLocation(path: "conf", line: mark.line, column: mark.column))
    }

    @Test func reportsEveryErrorOfARun() {
        let input = Marked("""
            # a config with one problem per line, and two on the last
            ⟨^⟩usr 1000 z
            uid 1000⟨^⟩
            uid 1 ⟨^⟩uid 2 b
            uid ⟨^⟩carol c
            uid 1 a
            gid 1 ⟨^⟩a
            cmd ⟨^⟩abcdefghijklmnopq d
            ⟨^⟩foo 1 ⟨^⟩bar/baz

            """)
        let compilation = Fixture.compiler.compile(input.source)
        #expect(compilation.diagnostics.map(\.kind) == [
            .unknownKey("usr"), .missingName, .duplicateKey(.uid, firstColumn: 1), .unknownUser("carol"),
            .duplicateName("a", firstLine: 6),
            .cmdTooLong("abcdefghijklmnopq", length: 17, processName: "abcdefghijklmno"),
            .unknownKey("foo"), .invalidName("bar/baz", .slash),
        ])
        #expect(compilation.diagnostics.map { Marked.Position(line: $0.location.line, column: $0.location.column) }
            == input.marks)
        #expect(compilation.errorCount == 7)
        #expect(compilation.warningCount == 1)
        #expect(compilation.ruleCount == 8)
        #expect(compilation.table == nil)
    }

    @Test func messagesReadLikeACompilers() {
        let expected: [(DiagnosticKind, String)] = [
            (.unknownKey("usr"), "unknown key 'usr' (expected uid, gid, ruid, rgid or cmd)"),
            (.missingValue(.gid), "missing value after 'gid'"),
            (.missingName, "missing namespace name (a rule is one or more 'key value' pairs, then a name)"),
            (.duplicateKey(.cmd, firstColumn: 7), "key 'cmd' appears twice in one rule (first at column 7)"),
            (.invalidID(.uid, "-1"), "invalid uid '-1' (expected a number from 0 to 4294967294 or a user name)"),
            (.invalidID(.rgid, "x"), "invalid rgid 'x' (expected a number from 0 to 4294967294 or a group name)"),
            (.idOutOfRange(.gid, "4294967295"), "gid 4294967295 is out of range (0 to 4294967294)"),
            (.unknownUser("carol"), "unknown user 'carol'"),
            (.unknownGroup("staff"), "unknown group 'staff'"),
            (.unterminatedQuote, "unterminated quoted string (no closing '\"' on this line)"),
            (.invalidEscape(UInt8(ascii: "n")), "invalid escape '\\n' in quoted string (only \\\" and \\\\ are escapes)"),
            (.textAfterQuote, "expected a space after the closing '\"'"),
            (.unterminatedBracket("[ab"), "unterminated '[' in pattern '[ab' (write '[[]' for a literal '[')"),
            (.invalidName("a/b", .slash), "invalid namespace name 'a/b': a namespace name cannot contain '/'"),
            (.duplicateName("x", firstLine: 2), "duplicate namespace 'x' (first defined on line 2)"),
            (.nulByte, "NUL byte (a configuration is text)"),
            (.invalidByte(0x1B), "invalid byte 0x1b (control bytes may only appear in comments)"),
            (.fileTooLarge(67_108_865), "file is 67108865 bytes, over the 64 MiB limit; refusing to read it"),
            (.cmdTooLong("abcdefghijklmnopq", length: 17, processName: "abcdefghijklmno"),
             "cmd 'abcdefghijklmnopq' is 17 bytes, but a process's comm holds at most 15 ('abcdefghijklmno'): "
                + "only a kernel thread can have this name"),
            (.patternTooLong("kworker/R-kblockd*", minimumLength: 17),
             "pattern 'kworker/R-kblockd*' needs at least 17 bytes, but a process's comm holds at most 15: "
                + "only a kernel thread can match"),
            (.emptyConfig, "empty configuration: no rules, so no namespaces"),
            (.neverMatches("why"), "this rule can never match: why"),
        ]
        for (kind, message) in expected {
            #expect(kind.message == message)
        }
    }

    @Test func refusesAnOversizedSource() {
        let source = SourceFile(path: "big", bytes: Array(repeating: UInt8(ascii: "#"), count: SourceFile.maxSize + 1))
        let compilation = RuleCompiler().compile(source)
        #expect(compilation.table == nil)
        #expect(compilation.diagnostics == [
            Diagnostic(.fileTooLarge(SourceFile.maxSize + 1), at: SourceLocation(path: "big", line: 1, column: 1))
        ])
    }

    /// A `cmd` over 15 bytes warns, and is compared whole, as `pgrep -x`
    /// compares: a kernel thread's name of these bytes matches; a process
    /// whose comm the kernel cut to 15 of them does not.
    @Test func warningsDoNotStopTheTable() throws {
        let compilation = Fixture.compile("cmd abcdefghijklmnopq long\ncmd \"kworker/?:?-events\" events\n")
        #expect(compilation.warningCount == 2)
        let table = try #require(compilation.table)
        #expect(table.matches(ProcessIdentity(uid: 0, gid: 0, comm: "abcdefghijklmnopq")) == [NamespaceID(0)])
        #expect(table.matches(ProcessIdentity(uid: 5, gid: 5, comm: "abcdefghijklmno")) == [])
        #expect(table.matches(ProcessIdentity(uid: 0, gid: 0, comm: "abcdefghijklmnopqr")) == [])
        #expect(table.matches(ProcessIdentity(uid: 0, gid: 0, comm: "kworker/0:1-events")) == [NamespaceID(1)])
        #expect(table.matches(ProcessIdentity(uid: 0, gid: 0, comm: "kworker/0:1+events")) == [])
    }
}
