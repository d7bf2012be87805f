import Testing
@testable import UprocRules

@Suite struct DecisionTableTests {
    static let config = """
        uid 1000 alice
        uid 1000 cmd sshd alice.ssh
        gid 34 backup
        ruid 0 real.root
        rgid 5 real.tty
        cmd tar tar
        cmd "python3*" python
        uid 1000 cmd "ba*" alice.shells
        cmd sshd gid 0 sshd.root
        cmd "" unnamed
        uid 0 gid 0 ruid 0 rgid 0 cmd init init.root
        """

    static func table() throws -> DecisionTable {
        try #require(Fixture.compile(config).table)
    }

    static func names(_ table: DecisionTable, _ identity: ProcessIdentity) -> [String] {
        table.matches(identity).map { table.name(of: $0) }
    }

    @Test(arguments: [
        (ProcessIdentity(uid: 1000, gid: 1000, comm: "bash"), ["alice", "alice.shells"]),
        (ProcessIdentity(uid: 1000, gid: 1000, comm: "sshd"), ["alice", "alice.ssh"]),
        (ProcessIdentity(uid: 1000, gid: 34, comm: "tar"), ["alice", "backup", "tar"]),
        (ProcessIdentity(ruid: 0, euid: 1000, rgid: 5, egid: 1000, comm: "python3.11"),
         ["alice", "real.root", "real.tty", "python"]),
        (ProcessIdentity(uid: 0, gid: 0, comm: "sshd"), ["real.root", "sshd.root"]),
        (ProcessIdentity(uid: 0, gid: 0, comm: "init"), ["real.root", "init.root"]),
        (ProcessIdentity(ruid: 0, euid: 0, rgid: 0, egid: 1, comm: "init"), ["real.root"]),
        (ProcessIdentity(uid: 7, gid: 7, comm: ""), ["unnamed"]),
        (ProcessIdentity(uid: 7, gid: 7, comm: "python"), []),
    ])
    func findsEveryNamespaceOnce(_ identity: ProcessIdentity, _ expected: [String]) throws {
        let table = try Self.table()
        #expect(Self.names(table, identity) == expected)
        var seen: [NamespaceID] = []
        table.forEachMatch(identity) { seen.append($0) }
        #expect(seen.count == Set(seen).count)
        #expect(seen.sorted() == table.matches(identity))
    }

    @Test func withoutSourceLinesMatchesTheSameWithLinesZero() throws {
        let table = try Self.table()
        let bare = table.withoutSourceLines()
        #expect(table.rules.map(\.line) == Array(1...table.namespaceCount))
        #expect(bare.rules.map(\.line) == Array(repeating: 0, count: table.namespaceCount))
        #expect(bare.rules.map(\.conditions) == table.rules.map(\.conditions))
        #expect(bare.namespaceNames == table.namespaceNames)
        let identity = ProcessIdentity(uid: 1000, gid: 34, comm: "tar")
        #expect(bare.matches(identity) == table.matches(identity))
    }

    /// The hashed lookup agrees with checking every rule's conditions.
    @Test func agreesWithTheRulesConditions() throws {
        let table = try Self.table()
        let rules = table.rules
        let comms: [ProcessName] = ["bash", "sshd", "tar", "python3", "init", "", "x", "ba", "kworker/0:1-events", "pool_workqueue_release"]
        for euid: UInt32 in [0, 1, 1000] {
            for egid: UInt32 in [0, 34, 1000] {
                for ruid: UInt32 in [0, 1000] {
                    for rgid: UInt32 in [0, 5] {
                        for comm in comms {
                            let identity = ProcessIdentity(ruid: ruid, euid: euid, rgid: rgid, egid: egid, comm: comm)
                            let expected = rules.indices.filter {
                                rules[$0].conditions.allSatisfy { $0.holds(for: identity) }
                            }.map(NamespaceID.init)
                            #expect(table.matches(identity) == expected, "\(identity)")
                        }
                    }
                }
            }
        }
    }

    @Test func reportsWhichKeysRulesUse() throws {
        #expect(try Self.table().usedKeys == [.uid, .gid, .ruid, .rgid, .cmd])
        #expect(Fixture.compile("uid 1 a\nuid 2 b").table?.usedKeys == .uid)
        #expect(Fixture.compile("cmd \"x*\" a\ngid 3 b").table?.usedKeys == [.cmd, .gid])
        #expect(Fixture.compile("# none").table?.usedKeys == [])
    }

    @Test func identifiesNamespacesByName() throws {
        let table = try Self.table()
        let id = try #require(table.id(of: "backup"))
        #expect(table.name(of: id) == "backup")
        #expect(table.id(of: "nope") == nil)
        #expect(table.namespaceCount == 11)
    }

    @Test func tellsAReloadWhatChanged() throws {
        let old = try #require(Fixture.compile("uid 1 a\nuid 2 b\nuid 3 c").table)
        let new = try #require(Fixture.compile("uid 9 c\nuid 4 d\nuid 1 a").table)
        let changes = new.namespaceChanges(from: old)
        #expect(changes.added == ["d"])
        #expect(changes.removed == ["b"])
        #expect(changes.kept == ["c", "a"])
        // Kept names may change index: map by name.
        #expect(old.id(of: "c") == NamespaceID(2))
        #expect(new.id(of: "c") == NamespaceID(0))
    }

    @Test func buildsFromRulesInCode() {
        let table = DecisionTable(rules: [
            Rule(conditions: [.id(.uid, 5)], namespace: "five"),
            Rule(conditions: [.commPattern(CommPattern("*"))], namespace: "all"),
        ])
        #expect(table.matches(ProcessIdentity(uid: 5, gid: 0, comm: "x")) == [NamespaceID(0), NamespaceID(1)])
        #expect(table.matches(ProcessIdentity(uid: 6, gid: 0, comm: "x")) == [NamespaceID(1)])
    }

    @Test func checksRulesThatTestAKeyTwice() {
        // Only code can build these; the compiler refuses a key twice.
        let table = DecisionTable(rules: [
            Rule(conditions: [.id(.uid, 1), .id(.uid, 2)], namespace: "never"),
            Rule(conditions: [.commPattern(CommPattern("a*")), .commPattern(CommPattern("*z"))], namespace: "a.z"),
            Rule(conditions: [.id(.gid, 3), .id(.gid, 3)], namespace: "gid3"),
        ])
        #expect(table.matches(ProcessIdentity(uid: 1, gid: 3, comm: "abz")) == [NamespaceID(1), NamespaceID(2)])
        #expect(table.matches(ProcessIdentity(uid: 2, gid: 4, comm: "ab")) == [])
    }

    @Test func sharesCandidateListsForCommonValues() throws {
        // Many rules on one value: all must still be found, each once.
        var text = ""
        for n in 0..<500 { text += "uid 42 cmd c\(n) n\(n)\nuid 42 n.all\(n)\n" }
        let table = try #require(Fixture.compile(text).table)
        #expect(table.matches(ProcessIdentity(uid: 42, gid: 0, comm: "c7")).map { table.name(of: $0) }.sorted()
            == (["n7"] + (0..<500).map { "n.all\($0)" }).sorted())
    }

    /// `rules` is rebuilt from the compiled form: conditions as written,
    /// with the source line.
    @Test func givesRulesBackAsWritten() throws {
        let table = try #require(Fixture.compile("""
            cmd sshd gid 0 uid 7 sshd.seven

            rgid 5 cmd "py*" ruid 3 py
            uid 1 one
            """).table)
        #expect(table.rules == [
            Rule(conditions: [.comm("sshd"), .id(.gid, 0), .id(.uid, 7)], namespace: "sshd.seven", line: 1),
            Rule(conditions: [.id(.rgid, 5), .commPattern(CommPattern("py*")), .id(.ruid, 3)], namespace: "py", line: 3),
            Rule(conditions: [.id(.uid, 1)], namespace: "one", line: 4),
        ])
        let inCode = [
            Rule(conditions: [.id(.uid, 1), .id(.uid, 2)], namespace: "twice"),
            Rule(conditions: [.comm(""), .id(.gid, 9)], namespace: "empty"),
            Rule(conditions: [], namespace: "none"),
        ]
        #expect(DecisionTable(rules: inCode).rules == inCode)
    }

    /// `rule(_:holdsFor:)` agrees with the rule's conditions, general rules
    /// (a key tested twice) included.
    @Test func checksOneRuleAgainstAnIdentity() throws {
        let compiled = try Self.table()
        let general = DecisionTable(rules: [
            Rule(conditions: [.id(.uid, 1), .id(.uid, 2)], namespace: "never"),
            Rule(conditions: [.commPattern(CommPattern("a*")), .commPattern(CommPattern("*z"))], namespace: "a.z"),
            Rule(conditions: [.id(.gid, 0), .id(.gid, 0), .comm("init")], namespace: "gid0"),
        ])
        let comms: [ProcessName] = ["bash", "sshd", "python3", "init", "", "abz", "ba", "abcdefghijklmnopqrstuvwxyz"]
        for table in [compiled, general] {
            let rules = table.rules
            var holding = 0
            for euid: UInt32 in [0, 1, 1000] {
                for egid: UInt32 in [0, 34] {
                    for ruid: UInt32 in [0, 1000] {
                        for comm in comms {
                            let identity = ProcessIdentity(ruid: ruid, euid: euid, rgid: 5, egid: egid, comm: comm)
                            for (index, rule) in rules.enumerated() {
                                let expected = rule.conditions.allSatisfy { $0.holds(for: identity) }
                                #expect(table.rule(NamespaceID(index), holdsFor: identity) == expected, "\(rule) \(identity)")
                                if expected { holding += 1 }
                            }
                        }
                    }
                }
            }
            #expect(holding > 0)
        }
    }

    /// Names are found by their bytes among many.
    @Test func findsEveryNameAmongMany() {
        let rules = (0..<20_000).map { Rule(conditions: [.id(.uid, UInt32($0))], namespace: "user.\($0)") }
            + [Rule(conditions: [], namespace: "caf\u{E9}"), Rule(conditions: [], namespace: "cafe\u{301}"),
               Rule(conditions: [], namespace: "a-name-longer-than-fifteen-bytes")]
        let table = DecisionTable(rules: rules)
        var wrong = 0
        for (index, rule) in rules.enumerated() where table.id(of: rule.namespace) != NamespaceID(index) { wrong += 1 }
        #expect(wrong == 0)
        // Canonically equivalent, different bytes: different namespaces.
        #expect(table.id(of: "caf\u{E9}") == NamespaceID(20_000))
        #expect(table.id(of: "cafe\u{301}") == NamespaceID(20_001))
        for missing in ["user.20000", "user.", "user.1 ", "user.01", "", "caf", "a-name-longer-than-fifteen-byte"] {
            #expect(table.id(of: missing) == nil, "\(missing)")
        }
    }

    /// What keeps a table of rules with several conditions small.
    @Test func compiledRuleStaysSmall() {
        #expect(MemoryLayout<CompiledRule>.stride == 40)
    }
}
