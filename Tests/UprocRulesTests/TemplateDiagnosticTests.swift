import Testing
@testable import UprocRules

/// The `tree`, `loginuid`, `exe` and template syntax: each mistake is
/// reported once, at the marked position, with its typed kind.
private let errorCases: [DiagnosticCase] = [
    .init("⟨^⟩tree shells", .treeWithoutRoots),
    .init("⟨^⟩tree", .treeWithoutRoots),
    .init("uid 1 ⟨^⟩tree x", .treeNotFirst),
    .init("tree ⟨^⟩\"tree\" 1 x", .unknownKey("\"tree\"")),
    .init("loginuid ⟨^⟩-1 x", .invalidLoginUID("-1")),
    .init("loginuid ⟨^⟩12ab x", .invalidLoginUID("12ab")),
    .init("loginuid ⟨^⟩4294967296 x", .loginUIDOutOfRange("4294967296")),
    .init("loginuid ⟨^⟩carol x", .unknownUser("carol")),
    .init("loginuid⟨^⟩", .missingValue(.loginuid)),
    .init("exe /a ⟨^⟩exe /b x", .duplicateKey(.exe, firstColumn: 1)),
    .init("tree loginuid 0 cmd a ⟨^⟩loginuid 1 x", .duplicateKey(.loginuid, firstColumn: 6)),
    .init("exe ⟨^⟩\"/usr/[ab\" x", .unterminatedBracket("/usr/[ab")),
    .init("uid ⟨^⟩* everyone", .starWithoutPlaceholder(.uid)),
    .init("gid ⟨^⟩* uid 0 g.{uid}", .starWithoutPlaceholder(.gid)),
    .init("loginuid ⟨^⟩* logins", .starWithoutPlaceholder(.loginuid)),
    .init("uid * u.⟨^⟩{usr}", .unknownPlaceholder("usr")),
    .init("uid * \"u.⟨^⟩{x}{user}\"", .unknownPlaceholder("x")),
    .init("uid * u.⟨^⟩{user", .unterminatedPlaceholder),
    .init("uid * u.⟨^⟩{user-x}", .unterminatedPlaceholder),
    .init("uid ⟨^⟩* u.{1}", .starWithoutPlaceholder(.uid)),
    .init("uid 0 r.⟨^⟩{cmd}", .placeholderWithoutKey("cmd")),
    .init("cmd sshd s.⟨^⟩{group}", .placeholderWithoutKey("group")),
    .init("uid 0 s.⟨^⟩{ruser}", .placeholderWithoutKey("ruser")),
    .init("cmd \"*\" e.⟨^⟩{exe}", .placeholderWithoutKey("exe")),
    .init("uid * ⟨^⟩.{user}", .invalidName(".{user}", .leadingDot)),
    .init("uid * ⟨^⟩a/{user}", .invalidName("a/{user}", .slash)),
    .init("cmd \"*\" ⟨^⟩\"a {cmd}\"", .invalidName("a {cmd}", .controlOrSpace(0x20))),
    // Two templates that can make one name: the later one is at fault,
    // and the message names the first and a name both could make.
    .init("cmd \"*\" c.{cmd}\ncmd \"py*\" ⟨^⟩c.{cmd}", .templatesMayCollide(firstLine: 1, example: "c.py")),
    .init("uid * u.{user}\ncmd \"*\" ⟨^⟩u.{cmd}", .templatesMayCollide(firstLine: 1, example: "u.x")),
    .init("exe \"/usr/bin/*\" bin.{exe}\ncmd \"*\" ⟨^⟩bin.{cmd}", .templatesMayCollide(firstLine: 1, example: "bin.%2Fusr%2Fbin%2F")),
    .init("uid * cmd \"*\" {user}.{cmd}\ncmd \"*\" ⟨^⟩x.{cmd}", .templatesMayCollide(firstLine: 1, example: "x.")),
]

private let warningCases: [DiagnosticCase] = [
    .init("exe ⟨^⟩python3 py", .neverMatches("exe 'python3' is not an absolute path, but /proc/PID/exe always is one")),
    .init("exe ⟨^⟩\"\" nothing", .neverMatches("exe '' is empty, but /proc/PID/exe is an absolute path")),
    .init("exe ⟨^⟩\"/x[z-a]\" nothing", .neverMatches("pattern '/x[z-a]' has a '[...]' class that no byte matches")),
]

@Suite struct TemplateDiagnosticTests {
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
        #expect(diagnostic.message == testCase.kind.message)
        #expect(diagnostic.location == SourceLocation(path: "conf", line: mark.line, column: mark.column))
    }

    /// A user and a group of one name, in templates of one shape: their
    /// expansions collide (an error naming both accounts), and so would
    /// their numeric names.
    @Test func userAndGroupTemplatesOfOneShapeCollide() {
        let input = Marked("uid * x.{user}\ngid * ⟨^⟩x.{group}\n")
        let compilation = Fixture.compiler.compile(input.source)
        #expect(compilation.table == nil)
        #expect(compilation.diagnostics.map(\.kind) == [
            .expansionCollision("x.root", source: "group 'root' (gid 0)", firstLine: 1, firstSource: "user 'root' (uid 0)"),
            .templatesMayCollide(firstLine: 1, example: "x.0"),
        ])
        let mark = input.marks[0]
        #expect(compilation.diagnostics.allSatisfy { $0.location == SourceLocation(path: "conf", line: mark.line, column: mark.column) })
    }

    /// Every error of a config, templates' among them, in line order.
    @Test func reportsTemplateErrorsAmongOthers() {
        let input = Marked("""
            cmd "*" c.{cmd}
            uid ⟨^⟩carol c
            cmd "b*" ⟨^⟩c.{cmd}
            ⟨^⟩tree x

            """)
        let compilation = Fixture.compiler.compile(input.source)
        #expect(compilation.diagnostics.map(\.kind) == [
            .unknownUser("carol"), .templatesMayCollide(firstLine: 1, example: "c.b"), .treeWithoutRoots,
        ])
        #expect(compilation.diagnostics.map { Marked.Position(line: $0.location.line, column: $0.location.column) } == input.marks)
    }

    @Test func messagesSayWhatToDo() {
        let expected: [(DiagnosticKind, String)] = [
            (.treeNotFirst, "'tree' must be the first word of a rule"),
            (.treeWithoutRoots, "a tree rule needs conditions that pick its roots ('tree cmd sshd NAME')"),
            (.invalidLoginUID("x-"), "invalid loginuid 'x-' (expected a number from 0 to 4294967295, a user name, 'unset' or '*')"),
            (.starWithoutPlaceholder(.uid), "'uid *' stands for every account: the name must hold its value ({user} or {uid})"),
            (.placeholderWithoutKey("user"), "placeholder '{user}' stands for the value of uid, ruid or loginuid, which this rule does not test"),
            (.expansionCollision("x.root", source: "group 'root' (gid 0)", firstLine: 1, firstSource: "user 'root' (uid 0)"),
             "this template makes namespace 'x.root' for group 'root' (gid 0), as the template on line 1 does for user 'root' (uid 0)"),
            (.templatesMayCollide(firstLine: 3, example: "c.py"),
             "this template may make the same name as the template on line 3 (such as 'c.py'): give them different fixed parts"),
            (.templateCapped(total: 5, kept: 2, limit: 3),
             "this template makes 5 namespaces, over the limit of 3 (--max-namespaces): only the first 2 are made"),
            (.accountNameTaken("u.a", source: "user 'a' (uid 2)", firstSource: "user 'a' (uid 1)"),
             "namespace 'u.a' for user 'a' (uid 2) is already made for user 'a' (uid 1): the first account keeps it"),
        ]
        for (kind, message) in expected { #expect(kind.message == message) }
    }
}
