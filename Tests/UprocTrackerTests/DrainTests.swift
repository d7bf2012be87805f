import Testing
import UprocRules
import UprocTracker

@Suite struct DrainTests {
    @Test func startUpReportsEveryNamespaceOnceEmptyOnesToo() {
        var tracker = Tracker(table: Fixture.table)
        #expect(tracker.hasChanges)
        tracker.upsert(1, Fixture.root)
        var expected: [String: [Int32]] = [:]
        for name in Fixture.table.namespaceNames { expected[name] = [] }
        expected["uid.root"] = [1]
        #expect(tracker.drained() == expected)
        #expect(!tracker.hasChanges)
        #expect(tracker.drained() == [:])
    }

    @Test func processThatCameAndWentInOneWindowIsNoChange() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.alice)
        _ = tracker.drained()
        #expect(tracker.fork(parent: 1, child: 2) == true)
        #expect(tracker.hasChanges)
        tracker.remove(2)
        #expect(!tracker.hasChanges)
        #expect(tracker.drained() == [:])
    }

    @Test func exitAndReturnOfTheSamePIDIsNoChange() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.alice)
        tracker.upsert(2, Fixture.alice)
        _ = tracker.drained()
        tracker.remove(2)
        #expect(tracker.fork(parent: 1, child: 2) == true)
        #expect(!tracker.hasChanges)
        #expect(tracker.drained() == [:])
    }

    /// A file rewritten outside a drain (a repair) holds the members of that
    /// moment: changes that later cancel out must still reach it.
    @Test func aFileRewrittenWhileChangesWereUnpublishedIsReportedEvenIfTheyCancel() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.alice)
        _ = tracker.drained()
        #expect(tracker.fork(parent: 1, child: 2) == true)
        // The repair writes uid.alice as [1, 2]; then 2 goes: the members are
        // what was last drained, but not what the file now says.
        tracker.rewroteOutsideDrain(tracker.table.id(of: "uid.alice")!)
        tracker.remove(2)
        #expect(tracker.drained()["uid.alice"] == [1])
        // A repair with nothing unpublished wrote what was drained: no change.
        tracker.rewroteOutsideDrain(tracker.table.id(of: "uid.alice")!)
        #expect(tracker.drained() == [:])
    }

    @Test func oneInOneOutIsAChange() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.alice)
        tracker.upsert(2, Fixture.alice)
        _ = tracker.drained()
        tracker.remove(2)
        #expect(tracker.fork(parent: 1, child: 3) == true)
        #expect(tracker.drained() == ["uid.alice": [1, 3], "gid.users": [1, 3]])
    }

    @Test func manyEventsReportEachChangedNamespaceOnce() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.alice)
        tracker.upsert(2, Fixture.root)
        _ = tracker.drained()
        for child in Int32(10)..<Int32(60) {
            #expect(tracker.fork(parent: 1, child: child) == true)
            if child % 2 == 0 { tracker.remove(child) }
        }
        #expect(tracker.setComm(2, "sshd") == true)
        let odd = [1] + Array(stride(from: Int32(11), to: 60, by: 2))
        #expect(tracker.drained() == ["uid.alice": odd, "gid.users": odd, "cmd.sshd": [2]])
    }

    @Test func namespaceThatChangedBackIsNotReported() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.alice)
        _ = tracker.drained()
        #expect(tracker.setComm(1, "sshd") == true)
        #expect(tracker.setComm(1, "bash") == true)
        #expect(!tracker.hasChanges)
        #expect(tracker.drained() == [:])
    }
}
