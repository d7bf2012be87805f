import Testing
@testable import UprocRules

struct ValidCase: CustomStringConvertible, Sendable {
    let input: Marked
    let conditions: [Condition]
    let name: String

    init(_ input: String, _ conditions: [Condition], _ name: String) {
        self.input = Marked(input)
        self.conditions = conditions
        self.name = name
    }

    var description: String { input.description }
}

private let validCases: [ValidCase] = [
    .init("uid 1000 my_username", [.id(.uid, 1000)], "my_username"),
    .init("gid 34 groups.backup", [.id(.gid, 34)], "groups.backup"),
    .init("ruid 0 real.root", [.id(.ruid, 0)], "real.root"),
    .init("rgid 5 real.tty", [.id(.rgid, 5)], "real.tty"),
    .init("uid 007 leading.zeros", [.id(.uid, 7)], "leading.zeros"),
    .init("uid 4294967294 max", [.id(.uid, 4_294_967_294)], "max"),
    .init("uid alice uid.alice", [.id(.uid, 1000)], "uid.alice"),
    .init("uid bob-smith b", [.id(.uid, 1001)], "b"),
    .init("uid 1password p", [.id(.uid, 999)], "p"),
    .init("uid \"alice\" quoted", [.id(.uid, 1000)], "quoted"),
    .init("gid backup gid.backup", [.id(.gid, 34)], "gid.backup"),
    .init("ruid root r", [.id(.ruid, 0)], "r"),
    .init("rgid wheel w", [.id(.rgid, 10)], "w"),
    .init("cmd tar software.backup", [.comm("tar")], "software.backup"),
    .init("cmd \"Web Content\" firefox.tabs", [.comm("Web Content")], "firefox.tabs"),
    .init("cmd \"tab\there\" t", [.comm(Comm(Array("tab\there".utf8)))], "t"),
    .init("cmd \"say \\\"hi\\\" \\\\o/\" esc", [.comm(Comm(Array("say \"hi\" \\o/".utf8)))], "esc"),
    .init("cmd \"\" empty.comm", [.comm(Comm())], "empty.comm"),
    .init("cmd kworker/0:1 k", [.comm("kworker/0:1")], "k"),
    .init("cmd a\"b q", [.comm("a\"b")], "q"),
    .init("cmd ⟨xFF⟩⟨xFE⟩ raw", [.comm(Comm([0xFF, 0xFE]))], "raw"),
    .init("cmd \"python3*\" py", [.commPattern(CommPattern("python3*"))], "py"),
    .init("cmd py?hon p", [.commPattern(CommPattern("py?hon"))], "p"),
    .init("cmd [!a-c]x* c", [.commPattern(CommPattern("[!a-c]x*"))], "c"),
    .init("cmd \"[[]x\" lit", [.commPattern(CommPattern("[[]x"))], "lit"),
    .init("uid 1000 cmd sshd alice.ssh", [.id(.uid, 1000), .comm("sshd")], "alice.ssh"),
    .init("cmd sshd uid 1000 alice.ssh", [.comm("sshd"), .id(.uid, 1000)], "alice.ssh"),
    .init("uid 0 gid 0 ruid 0 rgid 0 cmd init all.five", [.id(.uid, 0), .id(.gid, 0), .id(.ruid, 0), .id(.rgid, 0), .comm("init")], "all.five"),
    .init("uid 1 a # trailing comment", [.id(.uid, 1)], "a"),
    .init("# whole line\n   # indented comment\n\nuid 1 a", [.id(.uid, 1)], "a"),
    .init("uid 1 a#b", [.id(.uid, 1)], "a#b"),
    .init("\tuid\t1\t\ttabs\t", [.id(.uid, 1)], "tabs"),
    .init("uid 1 crlf\r\n", [.id(.uid, 1)], "crlf"),
    .init("⟨xEF⟩⟨xBB⟩⟨xBF⟩uid 1 after.bom", [.id(.uid, 1)], "after.bom"),
    .init("uid 1 \"quoted.name\"", [.id(.uid, 1)], "quoted.name"),
    .init("uid 1 ünïcødé", [.id(.uid, 1)], "ünïcødé"),
    .init("uid 1 uid", [.id(.uid, 1)], "uid"),
    .init("uid 1 " + String(repeating: "n", count: 255), [.id(.uid, 1)], String(repeating: "n", count: 255)),
]

@Suite struct ValidFormTests {
    @Test(arguments: validCases)
    func compiles(_ testCase: ValidCase) throws {
        let compilation = Fixture.compiler.compile(testCase.input.source)
        #expect(compilation.diagnostics.isEmpty, "\(compilation.diagnostics.map(\.message))")
        let table = try #require(compilation.table)
        #expect(table.rules.map(\.conditions) == [testCase.conditions])
        #expect(table.namespaceNames == [testCase.name])
        #expect(compilation.ruleCount == 1)
    }

    /// Each rule written back by `Rule.sourceBytes` reads back the same.
    @Test(arguments: validCases)
    func roundTrips(_ testCase: ValidCase) throws {
        let first = try #require(Fixture.compiler.compile(testCase.input.source).table)
        let written = first.rules.flatMap { $0.sourceBytes + [UInt8(ascii: "\n")] }
        let second = try #require(Fixture.compiler.compile(SourceFile(path: "again", bytes: written)).table)
        #expect(second.rules.map(\.conditions) == first.rules.map(\.conditions))
        #expect(second.namespaceNames == first.namespaceNames)
    }

    @Test func writesRulesBack() {
        let rules = [
            Rule(conditions: [.id(.uid, 1000), .comm("sshd")], namespace: "alice.ssh"),
            Rule(conditions: [.comm("Web Content")], namespace: "tabs"),
            Rule(conditions: [.commPattern(CommPattern("say \"*"))], namespace: "q"),
            Rule(conditions: [.comm(Comm())], namespace: "e"),
        ]
        #expect(rules.map(\.description) == [
            "uid 1000 cmd sshd alice.ssh",
            "cmd \"Web Content\" tabs",
            "cmd \"say \\\"*\" q",
            "cmd \"\" e",
        ])
    }

    @Test func keepsRulesInOrderWithTheirLines() throws {
        let table = try #require(Fixture.compile("uid 1 a\n\n# c\ngid 2 b\r\ncmd x c").table)
        #expect(table.namespaceNames == ["a", "b", "c"])
        #expect(table.rules.map(\.line) == [1, 4, 5])
    }

    @Test func acceptsAMillionRules() throws {
        var text = ""
        text.reserveCapacity(20_000_000)
        for n in 0..<1_000_000 { text += "uid \(n) uid.\(n)\n" }
        let compilation = Fixture.compile(text)
        #expect(compilation.diagnostics.isEmpty)
        let table = try #require(compilation.table)
        #expect(table.namespaceCount == 1_000_000)
        #expect(table.matches(ProcessIdentity(uid: 999_999, gid: 0, comm: "x")).map { table.name(of: $0) } == ["uid.999999"])
    }
}
