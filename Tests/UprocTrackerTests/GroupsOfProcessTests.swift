import Testing
import UprocRules
import UprocTracker

@Suite struct GroupsOfProcessTests {
    func groups(_ tracker: inout Tracker, _ pid: Int32) -> [String]? {
        var names: [String] = []
        let table = tracker.table
        guard tracker.forEachGroup(of: pid, { names.append(table.name(of: $0)) }) else { return nil }
        return names.sorted()
    }

    /// What `namespaces(of:)` lists (group leaders), after every kind of change.
    @Test func listsTheGroupsAProcessIsInAfterEachChange() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(10, Fixture.alice)
        #expect(groups(&tracker, 10) == ["gid.users", "uid.alice"])
        let forked = tracker.fork(parent: 10, child: 11)
        #expect(forked)
        #expect(groups(&tracker, 11) == ["gid.users", "uid.alice"])
        let renamed = tracker.setComm(11, "sshd")
        #expect(renamed)
        #expect(groups(&tracker, 11) == ["alice.ssh", "cmd.sshd", "gid.users", "uid.alice"])
        let changed = tracker.setUIDs(11, ruid: 1001, euid: 1001)
        #expect(changed)
        #expect(groups(&tracker, 11) == ["cmd.sshd", "gid.users", "ruid.bob", "uid.bob"])
        tracker.upsert(12, Fixture.nobody)
        #expect(groups(&tracker, 12) == [])
        tracker.remove(11)
        #expect(groups(&tracker, 11) == nil)
        for pid: Int32 in [10, 12] {
            let listed = tracker.namespaces(of: pid)!.map { tracker.table.groupLeader(of: $0) }
            #expect(Set(listed.map { tracker.table.name(of: $0) }) == Set(groups(&tracker, pid)!))
        }
    }

    /// Namespaces with one rule share a group: the leader stands for all.
    @Test func aGroupIsListedOnceByItsLeader() {
        let table = DecisionTable(rules: [
            Rule(conditions: [.id(.uid, 1000)], namespace: "uid.alice"),
            Rule(conditions: [.id(.uid, 1000)], namespace: "user.alice"),
        ])
        var tracker = Tracker(table: table)
        tracker.upsert(20, Fixture.alice)
        var leaders: [NamespaceID] = []
        let known = tracker.forEachGroup(of: 20) { leaders.append($0) }
        #expect(known)
        #expect(leaders.count == 1 && table.isGroupLeader(leaders[0]))
    }

    /// A kernel thread's long name is classified whole.
    @Test func aLongNameIsClassifiedWhole() {
        let table = DecisionTable(rules: [Rule(conditions: [.commPattern(CommPattern("kworker/*-events"))], namespace: "cmd.kworker")])
        var tracker = Tracker(table: table)
        tracker.upsert(2, ProcessIdentity(uid: 0, gid: 0, comm: ProcessName("kworker/0:1-events")))
        #expect(groups(&tracker, 2) == ["cmd.kworker"])
    }
}
