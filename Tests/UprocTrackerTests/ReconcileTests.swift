import Testing
import UprocRules
import UprocTracker

@Suite struct ReconcileTests {
    static let scan = snapshot([1: Fixture.root, 100: Fixture.alice, 101: Fixture.aliceSSHD, 200: Fixture.bob])

    @Test func reconcileFromEmptyAddsEverything() {
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: Self.scan)
        #expect(tracker.processCount == 4)
        #expect(tracker.nonEmptyNamespaces == [
            "uid.root": [1], "uid.alice": [100, 101], "gid.users": [100, 101], "cmd.sshd": [101],
            "alice.ssh": [101], "uid.bob": [200], "ruid.bob": [200], "cmd.py": [200],
        ])
    }

    @Test func reconcileIsIdempotent() {
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: Self.scan)
        let first = tracker.nonEmptyNamespaces
        _ = tracker.drained()
        tracker.reconcile(with: Self.scan, republishAll: false)
        #expect(tracker.nonEmptyNamespaces == first)
        #expect(tracker.processCount == 4)
        #expect(!tracker.hasChanges)
    }

    @Test func reconcileRemovesTheMissingAddsTheNewUpdatesTheChanged() {
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: Self.scan)
        _ = tracker.drained()
        // 101 exited, 300 appeared, 200 became root, all while messages were dropped.
        tracker.reconcile(with: snapshot([1: Fixture.root, 100: Fixture.alice, 200: Fixture.root, 300: Fixture.nobody]),
                          republishAll: false)
        #expect(tracker.identity(of: 101) == nil)
        #expect(tracker.identity(of: 200) == Fixture.root)
        #expect(tracker.identity(of: 300) == Fixture.nobody)
        #expect(tracker.processCount == 4)
        #expect(tracker.nonEmptyNamespaces == ["uid.root": [1, 200], "uid.alice": [100], "gid.users": [100]])
        #expect(tracker.drained() == [
            "uid.root": [1, 200], "uid.alice": [100], "gid.users": [100], "cmd.sshd": [], "alice.ssh": [],
            "uid.bob": [], "ruid.bob": [], "cmd.py": [],
        ])
    }

    @Test func reconcileByDefaultReportsEveryNamespace() {
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: Self.scan)
        _ = tracker.drained()
        tracker.reconcile(with: Self.scan)
        #expect(Set(tracker.drained().keys) == Set(Fixture.table.namespaceNames))
    }

    @Test func reconcileWithAnEmptySnapshotEmptiesTheTable() {
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: Self.scan)
        tracker.reconcile(with: [])
        #expect(tracker.processCount == 0)
        #expect(tracker.nonEmptyNamespaces == [:])
    }

    @Test func aPIDListedTwiceTakesItsLastIdentity() {
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: snapshot([5: Fixture.alice, 5: Fixture.bob]))
        #expect(tracker.identity(of: 5) == Fixture.bob)
        #expect(tracker.nonEmptyNamespaces == ["uid.bob": [5], "ruid.bob": [5], "cmd.py": [5]])
    }
}
