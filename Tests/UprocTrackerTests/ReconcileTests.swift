import Testing
import UprocRules
import UprocTracker

@Suite struct ReconcileTests {
    static let scan = snapshot([1: Fixture.root, 100: Fixture.alice, 101: Fixture.aliceSSHD, 200: Fixture.bob])

    /// A scan kept compactly gives back every identity as it was appended,
    /// a kernel thread's long name whole, in order.
    @Test func aScanSnapshotGivesBackWhatWasAppended() {
        let scanned: [(Int32, ProcessIdentity)] = [
            (3, ProcessIdentity(uid: 0, gid: 0, comm: "pool_workqueue_release")),
            (100, Fixture.alice),
            (11, ProcessIdentity(uid: 0, gid: 0, comm: "kworker/0:1-events")),
            (101, Fixture.aliceSSHD),
        ]
        var snapshot = ScanSnapshot()
        for (pid, identity) in scanned { snapshot.append(pid, identity) }
        #expect(snapshot.count == 4)
        #expect(snapshot.map(\.0) == scanned.map(\.0))
        #expect(snapshot.map(\.1) == scanned.map(\.1))
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: snapshot)
        #expect(tracker.identity(of: 3)?.comm == "pool_workqueue_release")
        #expect(tracker.disagreements(with: snapshot) == [])
    }

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

@Suite struct ReconcileReportTests {
    @Test func reconcileReportsEachPIDWhoseNamespacesItCorrected() {
        var tracker = Tracker(table: Fixture.table)
        tracker.reconcile(with: snapshot([1: Fixture.root, 2: Fixture.alice, 3: Fixture.bob, 4: Fixture.nobody]))
        let names = { (ids: [NamespaceID]?) in (ids ?? []).map { Fixture.table.name(of: $0) }.sorted() }
        // 2 became sshd (cmd.sshd, alice.ssh joined), 3 is gone, 5 is new, 4 is in no namespace either way.
        let report = tracker.reconcile(
            with: snapshot([1: Fixture.root, 2: Fixture.aliceSSHD, 5: Fixture.alice, 6: Fixture.nobody]),
            republishAll: false, reporting: true)
        let byPID = Dictionary(uniqueKeysWithValues: report.corrections.map { ($0.pid, $0) })
        #expect(byPID.keys.sorted() == [2, 3, 5])
        #expect(names(byPID[2]?.joined) == ["alice.ssh", "cmd.sshd"])
        #expect(names(byPID[2]?.left) == [])
        #expect(names(byPID[3]?.left) == ["cmd.py", "ruid.bob", "uid.bob"])
        #expect(names(byPID[5]?.joined) == ["gid.users", "uid.alice"])
        #expect(tracker.disagreements(with: snapshot([1: Fixture.root, 2: Fixture.aliceSSHD, 5: Fixture.alice, 6: Fixture.nobody])) == [])
        #expect(tracker.disagreements(with: snapshot([1: Fixture.alice, 2: Fixture.aliceSSHD, 7: Fixture.root])).sorted() == [1, 5, 6, 7])
    }
}
