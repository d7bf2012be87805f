import Testing
@testable import UprocTracker
import UprocRules
import UprocTestSupport

/// The PID → identity table under growth, collisions and deletions, checked
/// against a `Dictionary` through the tracker's public API.
@Suite struct ProcessTableTests {
    @Test(arguments: [UInt64(11), 12, 13])
    func manyPIDsInAndOutAgreeWithADictionary(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let table = DecisionTable(rules: [Rule(conditions: [.id(.uid, 1)], namespace: "uid.1")])
        var tracker = Tracker(table: table)
        var reference: [Int32: ProcessIdentity] = [:]
        // Sequential runs (as the kernel hands out PIDs) and scattered ones,
        // so probe runs wrap around the table's end and cross each other.
        var next: Int32 = 300
        for round in 0..<40_000 {
            let pid: Int32 = round % 3 == 0 ? Int32.random(in: 1...4_194_304, using: &random) : { next += 1; return next }()
            // Some with a kernel thread's long name, kept aside by PID.
            let identity = ProcessIdentity(uid: UInt32(random.next() % 3), gid: 0, comm: ProcessName(round % 5 == 0 ? "kworker/\(round % 7):1-events" : "x"))
            tracker.upsert(pid, identity)
            reference[pid] = identity
            if round % 2 == 1, let victim = reference.keys.randomElement(using: &random) {
                tracker.remove(victim)
                reference[victim] = nil
            }
        }
        #expect(tracker.processCount == reference.count)
        for (pid, identity) in reference where tracker.identity(of: pid) != identity {
            Issue.record("pid \(pid): \(String(describing: tracker.identity(of: pid))) != \(identity)")
            return
        }
        #expect(tracker.members("uid.1") == reference.filter { $0.value.euid == 1 }.keys.sorted())
        for pid in Array(reference.keys) { tracker.remove(pid) }
        #expect(tracker.processCount == 0)
        #expect(tracker.members("uid.1") == [])
    }

    @Test(arguments: [Int32(0), -1, Int32.min])
    func nonPositivePIDsAreNeverProcesses(pid: Int32) {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(pid, Fixture.alice)
        tracker.upsert(1, Fixture.alice)
        #expect(tracker.identity(of: pid) == nil)
        #expect(tracker.processCount == 1)
        #expect(tracker.fork(parent: 1, child: pid) == false)
        #expect(tracker.fork(parent: pid, child: 2) == false)
        #expect(tracker.setComm(pid, "sshd") == false)
        tracker.remove(pid)
        #expect(tracker.members("uid.alice") == [1])
    }
}

/// The same table from the inside: PIDs chosen to hash to the last and
/// first slots of a 32-slot table, so probe runs wrap around its end and
/// every deletion shifts entries across it.
@Suite struct SmallProcessTableTests {
    @Test(arguments: [UInt64(21), 22, 23, 24])
    func wrappingProbeRunsAgreeWithADictionaryAfterEveryOperation(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        var table = ProcessTable(capacity: 32)
        // At most 16 live keys: the table never grows past 32 slots.
        var pool: [Int32] = []
        var candidate: Int32 = 1
        while pool.count < 16 {
            if [29, 30, 31, 0, 1].contains(table.home(of: candidate)) { pool.append(candidate) }
            candidate += 1
        }
        var reference: [Int32: ProcessIdentity] = [:]
        for step in 0..<20_000 {
            let pid = pool.randomElement(using: &random)!
            if random.next() % 2 == 0 {
                let identity = ProcessIdentity(uid: UInt32(step), gid: 0, comm: ProcessName(step % 3 == 0 ? "pool_workqueue_release\(step % 5)" : ""))
                #expect(table.updateValue(identity, for: pid) == reference.updateValue(identity, forKey: pid))
            } else {
                #expect(table.removeValue(for: pid) == reference.removeValue(forKey: pid))
            }
            #expect(table.count == reference.count)
            #expect(table.keys.count == 32)
            for probe in pool where table[probe] != reference[probe] {
                Issue.record("step \(step): pid \(probe) reads \(String(describing: table[probe]))")
                return
            }
        }
        #expect(table.sortedPIDs() == reference.keys.sorted())
        #expect(table.longTails.count == reference.values.count { $0.comm.isLong })
    }
}
