import Testing
import UprocRules
import UprocTracker
import UprocTestSupport

/// Change detection is exact: a namespace is reported exactly when its members
/// differ from what was last published.
@Suite struct ExactChangeTests {
    /// Quadruples of PIDs (all ≤ 4,194,304, the largest pid_max) whose splitmix64
    /// hashes xor to zero: a change check on the member count and an xor of those
    /// hashes would take {a, b} → {c, d} for "no change" and leave the file listing
    /// two dead PIDs.
    static let cancellingPIDs: [[Int32]] = [
        [282_297, 687_183, 2_560_132, 2_847_836],
        [1_127_926, 3_470_148, 1_372_324, 1_569_048],
        [195_144, 4_192_389, 823_455, 2_109_177],
        [479_526, 3_315_440, 940_865, 2_243_693],
    ]

    @Test(arguments: cancellingPIDs)
    func twoProcessesReplacedByTwoOthersIsAChange(_ pids: [Int32]) {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(1, Fixture.root)
        tracker.upsert(pids[0], Fixture.alice)
        tracker.upsert(pids[1], Fixture.alice)
        _ = tracker.drained()

        tracker.remove(pids[0])
        tracker.remove(pids[1])
        tracker.upsert(pids[2], Fixture.alice)
        tracker.upsert(pids[3], Fixture.alice)
        let changed = tracker.hasChanges
        #expect(changed)
        let expected = [pids[2], pids[3]].sorted()
        #expect(tracker.drained() == ["uid.alice": expected, "gid.users": expected])
    }

    /// Random windows of joins, leaves and changes (small PIDs, so they collide
    /// and return often): each drain reports exactly the namespaces whose members
    /// differ from the previous report, with the tracker's current members.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomWindowsReportExactlyTheNamespacesThatDiffer(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let identities = [Fixture.root, Fixture.alice, Fixture.aliceSSHD, Fixture.bob, Fixture.nobody]
        var tracker = Tracker(table: Fixture.table)
        var published = tracker.drained()
        for _ in 0..<300 {
            // Mostly short windows; sometimes one past the change log's limit.
            let steps = random.next() % 8 == 0 ? 3000 : Int(random.next() % 12)
            for _ in 0..<steps {
                let pid = Int32(1 + random.next() % 24)
                switch random.next() % 4 {
                case 0: tracker.remove(pid)
                case 1: _ = tracker.fork(parent: Int32(1 + random.next() % 24), child: pid)
                default: tracker.upsert(pid, identities[Int(random.next() % UInt64(identities.count))])
                }
            }
            let report = tracker.drained()
            for index in 0..<Fixture.table.namespaceCount {
                let name = Fixture.table.namespaceNames[index]
                let now = tracker.members(of: NamespaceID(index))
                if now != published[name] {
                    #expect(report[name] == now, "\(name) changed but was not reported as it is")
                    published[name] = now
                }
            }
            for (name, members) in report { #expect(members == tracker.members(name)) }
        }
    }
}

extension ExactChangeTests {
    /// A reload while the change log is unsettled (every changed namespace showed
    /// its change by its member count, so nothing asked to sort it): a PID
    /// that came and went must not make the carried-over state wrong.
    @Test func reloadCarriesOnlyTheRealDifferenceOfUnsettledChanges() {
        var tracker = Tracker(table: Fixture.table)
        tracker.upsert(4, Fixture.root)
        tracker.upsert(12, Fixture.root)
        _ = tracker.drained()
        // 99 comes and goes with other entries between (no early cancelling), then 4 leaves.
        tracker.upsert(99, Fixture.root)
        for pid in Int32(200)..<Int32(203) { tracker.upsert(pid, Fixture.alice) }
        tracker.remove(99)
        tracker.remove(4)
        _ = tracker.settleChanges()
        _ = tracker.replaceTable(Fixture.table, republishAll: false)
        // 4 comes back before the next drain: uid.root is what was published.
        tracker.upsert(4, Fixture.root)
        #expect(tracker.drained() == ["uid.alice": [200, 201, 202], "gid.users": [200, 201, 202]])
        #expect(tracker.drained() == [:])
    }
}

extension ExactChangeTests {
    /// The publisher holds some namespaces back (rate limit, budget, a failed
    /// write): whatever it held back and whatever changed since, every drain
    /// offers each namespace whose members differ from what it last accepted.
    @Test(arguments: [11, 12, 13, 14, 15, 16, 17, 18] as [UInt64])
    func heldBackNamespacesAreNeverForgotten(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let identities = [Fixture.root, Fixture.alice, Fixture.aliceSSHD, Fixture.bob, Fixture.nobody]
        var tracker = Tracker(table: Fixture.table)
        var published: [Int: [Int32]] = [:]
        for step in 0..<4000 {
            let pid = Int32(1 + random.next() % 40)
            switch random.next() % 10 {
            case 0, 1: tracker.remove(pid)
            case 2, 3: _ = tracker.fork(parent: Int32(1 + random.next() % 40), child: pid)
            case 4: _ = tracker.setComm(pid, random.next() % 2 == 0 ? "sshd" : "bash")
            case 5: if random.next() % 20 == 0 { _ = tracker.replaceTable(Fixture.table, republishAll: false) }
            default: tracker.upsert(pid, identities[Int(random.next() % UInt64(identities.count))])
            }
            guard random.next() % 3 == 0 else { continue }
            var offered = Set<Int>()
            let acceptAll = random.next() % 4 == 0
            tracker.publishChanged { namespace, members in
                let index = Int(namespace.index)
                offered.insert(index)
                guard acceptAll || random.next() % 2 == 0 else { return false }
                published[index] = Array(members)
                return true
            }
            for index in 0..<Fixture.table.namespaceCount where !offered.contains(index) {
                let now = tracker.members(of: NamespaceID(index))
                #expect(now == (published[index] ?? []), "step \(step): \(Fixture.table.namespaceNames[index]) changed but was not offered")
                if now != (published[index] ?? []) { return }
            }
        }
    }
}
