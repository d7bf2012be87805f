import Testing
import UprocRules
import UprocTracker

@Suite struct ReplaceTableTests {
    static let newTable = DecisionTable(rules: [
        Rule(conditions: [.id(.gid, 100)], namespace: "gid.users"),
        Rule(conditions: [.id(.uid, 1000)], namespace: "uid.alice"),
        Rule(conditions: [.comm("bash")], namespace: "cmd.bash"),
        Rule(conditions: [.id(.uid, 0)], namespace: "uid.root"),
    ])

    func populated() -> Tracker {
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: snapshot([1: Fixture.root, 100: Fixture.alice, 101: Fixture.aliceSSHD, 200: Fixture.bob]))
        _ = tracker.drained()
        return tracker
    }

    @Test func reportsNamespacesAddedRemovedAndKeptByName() {
        var tracker = populated()
        let change = tracker.replaceTable(Self.newTable)
        #expect(change == TableChange(
            added: ["cmd.bash"],
            removed: ["uid.bob", "cmd.sshd", "alice.ssh", "ruid.bob", "rgid.root.gid.users", "cmd.py"],
            kept: ["gid.users", "uid.alice", "uid.root"]))
    }

    @Test func reclassifiesEveryProcessUnderTheNewRules() {
        var tracker = populated()
        _ = tracker.replaceTable(Self.newTable)
        #expect(tracker.table.namespaceNames == ["gid.users", "uid.alice", "cmd.bash", "uid.root"])
        #expect(tracker.processCount == 4)
        #expect(tracker.nonEmptyNamespaces == [
            "gid.users": [100, 101], "uid.alice": [100, 101], "cmd.bash": [1, 100], "uid.root": [1],
        ])
        // Events after the swap classify by the new rules.
        #expect(tracker.fork(parent: 100, child: 102) == true)
        tracker.remove(1)
        #expect(tracker.nonEmptyNamespaces == [
            "gid.users": [100, 101, 102], "uid.alice": [100, 101, 102], "cmd.bash": [100, 102],
        ])
    }

    @Test func byDefaultEveryNewNamespaceCountsAsChanged() {
        var tracker = populated()
        _ = tracker.replaceTable(Self.newTable)
        #expect(tracker.drained() == [
            "gid.users": [100, 101], "uid.alice": [100, 101], "cmd.bash": [1, 100], "uid.root": [1],
        ])
        #expect(!tracker.hasChanges)
    }

    @Test func withoutRepublishOnlyAddedAndChangedNamespacesAreReported() {
        var tracker = populated()
        // An unpublished change to a kept namespace must survive the swap.
        #expect(tracker.fork(parent: 1, child: 2) == true)
        let table = DecisionTable(rules: [
            Rule(conditions: [.id(.uid, 1000)], namespace: "uid.alice"),
            Rule(conditions: [.id(.uid, 0)], namespace: "uid.root"),
            Rule(conditions: [.id(.gid, 1001)], namespace: "gid.bob"),
            Rule(conditions: [.id(.gid, 4242)], namespace: "gid.none"),
        ])
        _ = tracker.replaceTable(table, republishAll: false)
        #expect(tracker.drained() == ["uid.root": [1, 2], "gid.bob": [200], "gid.none": []])
    }

    @Test func sameRulesInAnotherOrderChangeNothingWithoutRepublish() {
        var tracker = populated()
        let reversed = DecisionTable(rules: Fixture.rules.reversed())
        let change = tracker.replaceTable(reversed, republishAll: false)
        #expect(change.added == [] && change.removed == [])
        #expect(change.kept == Fixture.rules.reversed().map(\.namespace))
        #expect(tracker.members("uid.alice") == [100, 101])
        #expect(!tracker.hasChanges)
    }
}
