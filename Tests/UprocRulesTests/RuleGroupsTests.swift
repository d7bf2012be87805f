import Testing
@testable import UprocRules

/// Namespaces whose rules have the same conditions, in any order, form one
/// group: one leader stands for them in lookups, and every member still
/// matches as itself.
@Suite struct RuleGroupsTests {
    static let config = """
        cmd "*" all.1
        uid 1000 alice
        cmd "*" all.2
        uid 1000 cmd sshd alice.ssh
        cmd sshd uid 1000 ssh.alice
        uid 1000 alice.again
        cmd "a*" a
        cmd "b*" b
        gid 34 backup
        cmd "*" all.3
        """

    static func table() throws -> DecisionTable {
        try #require(Fixture.compile(config).table)
    }

    @Test(arguments: [
        ("all.1", ["all.1", "all.2", "all.3"]),
        ("alice", ["alice", "alice.again"]),
        ("alice.ssh", ["alice.ssh", "ssh.alice"]),
        ("a", ["a"]),
        ("b", ["b"]),
        ("backup", ["backup"]),
    ])
    func sameConditionsInAnyOrderShareALeader(_ leader: String, _ group: [String]) throws {
        let table = try Self.table()
        let id = try #require(table.id(of: leader))
        #expect(table.isGroupLeader(id))
        var names: [String] = []
        table.forEachNamespace(inGroupOf: id) { names.append(table.name(of: $0)) }
        #expect(names == group)
        for name in group { #expect(table.groupLeader(of: table.id(of: name)!) == id) }
        #expect(table.hasGroups)
    }

    @Test func lookupsYieldEveryNamespaceOrOneLeaderPerGroup() throws {
        let table = try Self.table()
        let identity = ProcessIdentity(uid: 1000, gid: 34, comm: "sshd")
        #expect(table.matches(identity).map { table.name(of: $0) }
            == ["all.1", "alice", "all.2", "alice.ssh", "ssh.alice", "alice.again", "backup", "all.3"])
        var leaders: [String] = []
        table.forEachMatchingGroup(identity) { leaders.append(table.name(of: $0)) }
        #expect(leaders.sorted() == ["alice", "alice.ssh", "all.1", "backup"])
        // A grouped namespace's own rule still answers for it.
        #expect(table.rule(table.id(of: "all.3")!, holdsFor: identity))
        #expect(!table.rule(table.id(of: "ssh.alice")!, holdsFor: ProcessIdentity(uid: 1000, gid: 34, comm: "bash")))
    }

    @Test func aTableOfDifferentRulesHasNoGroups() throws {
        let table = try #require(Fixture.compile("uid 0 root\nuid 1000 alice\ncmd \"a*\" a\ncmd \"b*\" b\n").table)
        #expect(!table.hasGroups)
        for index in 0..<table.namespaceCount { #expect(table.isGroupLeader(NamespaceID(index))) }
    }
}
