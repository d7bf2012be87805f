import Testing
@testable import UprocTracker
import UprocRules

/// 100,000 namespaces must stay cheap: an empty one is a fixed-size record
/// with no allocation of its own.
@Suite struct FootprintTests {
    @Test func aNamespaceRecordIs16Bytes() {
        #expect(MemoryLayout<NamespaceState>.stride == 16)
    }

    @Test func emptyNamespacesShareOneEmptyArray() {
        let table = DecisionTable(rules: (0..<1_000).map { Rule(conditions: [.id(.uid, UInt32($0))], namespace: "uid.\($0)") })
        let tracker = Tracker(table: table)
        // Every empty member list points at the same (static) storage.
        let first = tracker.namespaces[0].members.withUnsafeBufferPointer { $0.baseAddress }
        let last = tracker.namespaces[999].members.withUnsafeBufferPointer { $0.baseAddress }
        #expect(tracker.namespaces[0].members.capacity == 0)
        #expect(first == last)
    }

    @Test func identitiesAreStoredFlat() {
        // Two arrays, no per-process boxes: 4 + 32 bytes a slot (a kernel
        // thread's name past 15 bytes is kept aside); 8 more of login UID
        // and executable only while rules read them; one 64-byte record of
        // identity, lineage and facts instead while the rules have trees.
        #expect(MemoryLayout<ProcessTable.Stored>.stride == 32)
        #expect(MemoryLayout<ProcessTable.Facts>.stride == 8)
        #expect(MemoryLayout<ProcessTable.Links>.stride == 20)
        #expect(MemoryLayout<ProcessTable.Wide>.stride == 64)
        var tracker = Tracker(table: Fixture.table)
        // At most three quarters full: 5,000 processes in 8,192 slots, 6,145 in 16,384.
        for pid in Int32(1)...5_000 { tracker.upsert(pid, Fixture.alice) }
        #expect(tracker.processes.keys.count == 8_192)
        #expect(tracker.processes.values.count == 8_192)
        for pid in Int32(5_001)...6_145 { tracker.upsert(pid, Fixture.alice) }
        #expect(tracker.processes.keys.count == 16_384)
        #expect(!tracker.processes.hasLinks)
        #expect(tracker.processes.facts.isEmpty)
        let trees = Tracker(table: DecisionTable(rules: [Rule(tree: true, conditions: [.comm("sshd")], namespace: "ssh.all")]))
        #expect(trees.processes.wide.count == trees.processes.keys.count)
        #expect(trees.processes.values.isEmpty)
        #expect(!trees.processes.factsKept)
        let logins = Tracker(table: DecisionTable(rules: [Rule(tree: false, conditions: [], loginuid: 1000, namespace: "login")]))
        #expect(!logins.processes.hasLinks)
        #expect(logins.processes.facts.count == logins.processes.keys.count)
    }

    /// A kernel thread's name past 15 bytes is kept aside, by PID, as long
    /// as the process has such a name: through growth, renames and exit.
    @Test func longNamesAreKeptAsideWhileTheyLast() {
        var tracker = Tracker(table: Fixture.table)
        let worker = ProcessIdentity(uid: 0, gid: 0, comm: "kworker/0:1-events")
        tracker.upsert(3, ProcessIdentity(uid: 0, gid: 0, comm: "pool_workqueue_release"))
        tracker.upsert(9, worker)
        #expect(tracker.processes.longTails.count == 2)
        for pid in Int32(100)..<20_100 { tracker.upsert(pid, Fixture.alice) }
        #expect(tracker.identity(of: 3)?.comm == "pool_workqueue_release")
        #expect(tracker.identity(of: 9) == worker)
        tracker.upsert(9, ProcessIdentity(uid: 0, gid: 0, comm: "kworker/0:1+events_unbound"))
        #expect(tracker.identity(of: 9)?.comm == "kworker/0:1+events_unbound")
        #expect(tracker.setComm(9, "short") == true)
        #expect(tracker.identity(of: 9)?.comm == "short")
        #expect(tracker.processes.longTails.count == 1)
        tracker.remove(3)
        #expect(tracker.processes.longTails.isEmpty)
        #expect(tracker.identity(of: 3) == nil)
    }
}
