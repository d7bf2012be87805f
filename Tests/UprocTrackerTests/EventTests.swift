import Testing
import UprocRules
import UprocTracker

@Suite struct EventTests {
    @Test func forkedChildInheritsTheParentsNamespaces() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(100, Fixture.alice)
        #expect(tracker.fork(parent: 100, child: 101) == true)
        #expect(tracker.identity(of: 101) == Fixture.alice)
        #expect(tracker.processCount == 2)
        #expect(tracker.nonEmptyNamespaces == ["uid.alice": [100, 101], "gid.users": [100, 101]])
    }

    @Test func forkFromAnUnknownParentChangesNothing() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(100, Fixture.alice)
        _ = tracker.drained()
        #expect(tracker.fork(parent: 99, child: 101) == false)
        #expect(tracker.identity(of: 101) == nil)
        #expect(tracker.processCount == 1)
        #expect(!tracker.hasChanges)
    }

    @Test func forkOntoAnAlreadyKnownChildChangesNothing() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.root)
        tracker.upsert(200, Fixture.bob)
        _ = tracker.drained()
        #expect(tracker.fork(parent: 1, child: 200) == false)
        #expect(tracker.identity(of: 200) == Fixture.bob)
        #expect(tracker.nonEmptyNamespaces == ["uid.root": [1], "uid.bob": [200], "ruid.bob": [200], "cmd.py": [200]])
        #expect(!tracker.hasChanges)
        // The caller then reads /proc and upserts what it found.
        tracker.upsert(200, Fixture.root)
        #expect(tracker.nonEmptyNamespaces == ["uid.root": [1, 200]])
    }

    @Test func execRereadMovesTheProcessByItsNewComm() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(100, Fixture.alice)
        #expect(tracker.fork(parent: 100, child: 101) == true)
        tracker.upsert(101, Fixture.aliceSSHD)
        #expect(tracker.nonEmptyNamespaces == [
            "uid.alice": [100, 101], "gid.users": [100, 101], "cmd.sshd": [101], "alice.ssh": [101],
        ])
    }

    @Test func setUIDExecMovesBetweenUserNamespaces() {
        // A set-uid binary: EXEC re-read shows a new euid, no UID event.
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(100, Fixture.alice)
        tracker.upsert(100, ProcessIdentity(ruid: 1000, euid: 0, rgid: 100, egid: 100, comm: "passwd"))
        #expect(tracker.nonEmptyNamespaces == ["uid.root": [100], "gid.users": [100]])
    }

    @Test func exitLeavesEveryNamespace() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(100, Fixture.aliceSSHD)
        tracker.upsert(101, Fixture.alice)
        tracker.remove(100)
        #expect(tracker.identity(of: 100) == nil)
        #expect(tracker.processCount == 1)
        #expect(tracker.nonEmptyNamespaces == ["uid.alice": [101], "gid.users": [101]])
    }

    @Test func exitOfAnUnknownPIDIsANoOp() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(100, Fixture.alice)
        _ = tracker.drained()
        tracker.remove(555)
        #expect(tracker.processCount == 1)
        #expect(!tracker.hasChanges)
        #expect(tracker.drained() == [:])
    }

    @Test func reusedPIDTakesTheNewProcessesIdentity() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.root)
        tracker.upsert(100, Fixture.alice)
        #expect(tracker.fork(parent: 100, child: 500) == true)
        tracker.remove(500)
        #expect(tracker.fork(parent: 1, child: 500) == true)
        #expect(tracker.identity(of: 500) == Fixture.root)
        #expect(tracker.nonEmptyNamespaces == ["uid.root": [1, 500], "uid.alice": [100], "gid.users": [100]])
    }

    @Test(arguments: [
        (UInt32(0), UInt32(0), ["uid.root": [Int32(7)], "gid.users": [7]]),
        (1001, 1000, ["uid.alice": [7], "gid.users": [7], "ruid.bob": [7]]),
        (1000, 1001, ["uid.bob": [7], "gid.users": [7]]),
        (1000, 1000, ["uid.alice": [7], "gid.users": [7]]),
    ])
    func uidEventReclassifies(ruid: UInt32, euid: UInt32, expected: [String: [Int32]]) {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(7, Fixture.alice)
        #expect(tracker.setUIDs(7, ruid: ruid, euid: euid) == true)
        #expect(tracker.identity(of: 7) == ProcessIdentity(ruid: ruid, euid: euid, rgid: 100, egid: 100, comm: "bash"))
        #expect(tracker.nonEmptyNamespaces == expected)
    }

    @Test(arguments: [
        (UInt32(0), UInt32(100), ["uid.alice": [Int32(7)], "gid.users": [7], "rgid.root.gid.users": [7]]),
        (100, 0, ["uid.alice": [7]]),
        (5, 5, ["uid.alice": [7]]),
    ])
    func gidEventReclassifies(rgid: UInt32, egid: UInt32, expected: [String: [Int32]]) {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(7, Fixture.alice)
        #expect(tracker.setGIDs(7, rgid: rgid, egid: egid) == true)
        #expect(tracker.identity(of: 7)?.rgid == rgid)
        #expect(tracker.identity(of: 7)?.egid == egid)
        #expect(tracker.nonEmptyNamespaces == expected)
    }

    @Test(arguments: [
        (Comm("sshd"), ["uid.alice": [Int32(7)], "gid.users": [7], "cmd.sshd": [7], "alice.ssh": [7]]),
        (Comm("python3"), ["uid.alice": [7], "gid.users": [7], "cmd.py": [7]]),
        (Comm("py"), ["uid.alice": [7], "gid.users": [7], "cmd.py": [7]]),
        (Comm("p"), ["uid.alice": [7], "gid.users": [7]]),
    ])
    func commEventReclassifies(comm: Comm, expected: [String: [Int32]]) {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(7, Fixture.aliceSSHD)
        #expect(tracker.setComm(7, comm) == true)
        #expect(tracker.identity(of: 7)?.comm == ProcessName(comm))
        #expect(tracker.nonEmptyNamespaces == expected)
    }

    @Test func eventsForUnknownPIDsReturnFalse() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(7, Fixture.alice)
        _ = tracker.drained()
        #expect(tracker.setUIDs(8, ruid: 0, euid: 0) == false)
        #expect(tracker.setGIDs(8, rgid: 0, egid: 0) == false)
        #expect(tracker.setComm(8, "sshd") == false)
        #expect(tracker.identity(of: 8) == nil)
        #expect(!tracker.hasChanges)
    }

    @Test func commChangeWithoutAnyCmdRuleStillUpdatesTheIdentity() {
        let table = DecisionTable(rules: [Rule(conditions: [.id(.uid, 1000)], namespace: "uid.alice")])
        var tracker = Tracker(table: table)
        tracker.upsert(7, Fixture.alice)
        _ = tracker.drained()
        #expect(tracker.setComm(7, "sshd") == true)
        #expect(tracker.identity(of: 7)?.comm == "sshd")
        #expect(tracker.members("uid.alice") == [7])
        #expect(!tracker.hasChanges)
    }

    @Test func onePIDSitsInEveryNamespaceItMatches() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(42, Fixture.aliceSSHD)
        let names = tracker.namespaces(of: 42)?.map { tracker.table.name(of: $0) }
        #expect(names == ["uid.alice", "gid.users", "cmd.sshd", "alice.ssh"])
        #expect(tracker.namespaces(of: 43) == nil)
    }

    @Test(arguments: [
        [Int32(30), 10, 20, 5, 40],
        [1, 2, 3, 4, 5],
        [5, 4, 3, 2, 1],
        [4_194_304, 1, 300, 2, 299],
    ])
    func membersAreAscendingWhateverTheOrderOfArrival(pids: [Int32]) {
        var tracker = Tracker(table: Fixture.table)
        for pid in pids { tracker.upsert(pid, Fixture.alice) }
        #expect(tracker.members("uid.alice") == pids.sorted())
        tracker.remove(pids[2])
        let rest = pids.sorted().filter { $0 != pids[2] }
        #expect(tracker.members("uid.alice") == rest)
        tracker.withMembers(of: tracker.table.id(of: "gid.users")!) { buffer in
            #expect(Array(buffer) == rest)
        }
    }

    @Test func tenThousandProcessesInOneNamespace() {
        var tracker = Tracker(table: Fixture.table)
        // Interleave to force inserts in the middle as well as appends.
        for pid in stride(from: Int32(2), through: 20_000, by: 2) { tracker.upsert(pid, Fixture.alice) }
        for pid in stride(from: Int32(1), through: 19_999, by: 4) { tracker.upsert(pid, Fixture.alice) }
        let expected = (Array(stride(from: Int32(2), through: 20_000, by: 2))
            + Array(stride(from: Int32(1), through: 19_999, by: 4))).sorted()
        #expect(tracker.members("uid.alice") == expected)
        for pid in stride(from: Int32(2), through: 20_000, by: 2) { tracker.remove(pid) }
        #expect(tracker.members("uid.alice") == Array(stride(from: Int32(1), through: 19_999, by: 4)))
        #expect(tracker.processCount == 5_000)
    }
}
