import Testing
import UprocRules
import UprocTracker
import UprocTestSupport

/// The obvious implementation: a dictionary of identities, membership
/// recomputed from scratch with `DecisionTable.matches`, and what was last
/// published kept by name.
struct Model {
    var table: DecisionTable
    var processes: [Int32: ProcessIdentity] = [:]
    var published: [String: [Int32]] = [:]
    var forced: Set<String>

    init(table: DecisionTable) {
        self.table = table
        forced = Set(table.namespaceNames)
    }

    /// Every namespace, by name, with its members ascending.
    var membership: [String: [Int32]] {
        var result: [String: [Int32]] = [:]
        for name in table.namespaceNames { result[name] = [] }
        for pid in processes.keys.sorted() {
            for id in table.matches(processes[pid]!) { result[table.name(of: id)]!.append(pid) }
        }
        return result
    }

    /// What a drain must report.
    var changed: [String: [Int32]] {
        membership.filter { name, members in forced.contains(name) || published[name] != members }
    }

    mutating func drain() {
        published = membership
        forced = []
    }

    mutating func replaceTable(_ newTable: DecisionTable, republishAll: Bool) {
        let old = Set(table.namespaceNames)
        let previous = table
        table = newTable
        for name in old where newTable.id(of: name) == nil {
            published[name] = nil
            forced.remove(name)
        }
        for name in newTable.namespaceNames where republishAll || !old.contains(name) { forced.insert(name) }
        // A group of namespaces with one rule keeps its state only when all
        // its names come from one old group; otherwise all its files are rewritten.
        let oldTable = previous
        for index in 0..<newTable.namespaceCount where newTable.isGroupLeader(NamespaceID(index)) {
            var names: [String] = []
            newTable.forEachNamespace(inGroupOf: NamespaceID(index)) { names.append(newTable.name(of: $0)) }
            let origins = Set(names.map { oldTable.id(of: $0).map { oldTable.groupLeader(of: $0) } })
            if origins.count != 1 || origins.first! == nil { forced.formUnion(names) }
        }
    }
}

@Suite struct ModelTests {
    static let tables: [DecisionTable] = [
        Fixture.table,
        DecisionTable(rules: [
            Rule(conditions: [.id(.uid, 1000)], namespace: "uid.alice"),
            Rule(conditions: [.id(.gid, 1001), .id(.ruid, 7)], namespace: "gid.bob.ruid.7"),
            Rule(conditions: [.commPattern(CommPattern("*e*"))], namespace: "cmd.e"),
            Rule(conditions: [.commPattern(CommPattern("kworker/*"))], namespace: "kworkers"),
            Rule(conditions: [.commPattern(CommPattern("pool_workqueue_release"))], namespace: "kt.pwr"),
            Rule(conditions: [.comm("bash")], namespace: "cmd.bash"),
            Rule(conditions: [.id(.uid, 0)], namespace: "uid.root"),
        ]),
        DecisionTable(rules: [
            Rule(conditions: [.id(.rgid, 100), .comm("sshd"), .id(.uid, 0)], namespace: "three.keys"),
            Rule(conditions: [.id(.gid, 100)], namespace: "gid.users"),
            Rule(conditions: [.comm("Web Content")], namespace: "cmd.web"),
        ]),
        DecisionTable(rules: [Rule(conditions: [.id(.gid, 100)], namespace: "gid.users")]),
        // Namespaces with one rule (conditions in any order) share a list.
        DecisionTable(rules: [
            Rule(conditions: [.commPattern(CommPattern("py*"))], namespace: "p1"),
            Rule(conditions: [.id(.uid, 1000)], namespace: "a1"),
            Rule(conditions: [.commPattern(CommPattern("py*"))], namespace: "p2"),
            Rule(conditions: [.id(.uid, 1000)], namespace: "a2"),
            Rule(conditions: [.id(.uid, 1000), .comm("sshd")], namespace: "s1"),
            Rule(conditions: [.comm("sshd"), .id(.uid, 1000)], namespace: "s2"),
            Rule(conditions: [.id(.gid, 100)], namespace: "gid.users"),
        ]),
        // The same names regrouped.
        DecisionTable(rules: [
            Rule(conditions: [.id(.uid, 1000)], namespace: "p1"),
            Rule(conditions: [.id(.uid, 1000)], namespace: "a1"),
            Rule(conditions: [.commPattern(CommPattern("py*"))], namespace: "p2"),
            Rule(conditions: [.comm("bash")], namespace: "s2"),
            Rule(conditions: [.comm("bash")], namespace: "cmd.bash"),
            Rule(conditions: [.id(.uid, 1000)], namespace: "uid.alice"),
        ]),
    ]

    static let ids: [UInt32] = [0, 7, 100, 1000, 1001]
    static let comms: [Comm] = ["bash", "sshd", "python3", "py", "sleep", "Web Content"]
    /// What /proc shows: the comms, and kernel threads' longer names (kept
    /// aside from the process table's slots).
    static let names: [ProcessName] = comms.map(ProcessName.init) + ["kworker/0:1-events", "pool_workqueue_release"]

    static func identity(_ random: inout SplitMix64) -> ProcessIdentity {
        ProcessIdentity(
            ruid: ids.randomElement(using: &random)!, euid: ids.randomElement(using: &random)!,
            rgid: ids.randomElement(using: &random)!, egid: ids.randomElement(using: &random)!,
            comm: names.randomElement(using: &random)!)
    }

    static func pid(_ random: inout SplitMix64) -> Int32 {
        // Mostly a small range, so PIDs collide, exit and come back; now and
        // then a large one.
        random.next() % 16 == 0 ? Int32.random(in: 1...4_194_304, using: &random) : Int32.random(in: 1...48, using: &random)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 10, 11])
    func randomOperationsMatchTheModel(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let start = Self.tables[Int(seed) % Self.tables.count]
        var tracker = Tracker(table: start)
        var model = Model(table: start)

        for step in 0..<3_000 {
            let operation = Int.random(in: 0..<100, using: &random)
            let pid = Self.pid(&random)
            var log = ""
            switch operation {
            case 0..<20:
                let identity = Self.identity(&random)
                log = "upsert \(pid)"
                tracker.upsert(pid, identity)
                model.processes[pid] = identity
            case 20..<40:
                // Parents are usually known processes.
                let parent = model.processes.keys.randomElement(using: &random).flatMap { random.next() % 8 == 0 ? nil : $0 }
                    ?? Self.pid(&random)
                log = "fork \(parent) -> \(pid)"
                let expected = model.processes[parent] != nil && model.processes[pid] == nil
                #expect(tracker.fork(parent: parent, child: pid) == expected, "step \(step): \(log)")
                if expected { model.processes[pid] = model.processes[parent] }
            case 40..<55:
                let target = model.processes.keys.randomElement(using: &random) ?? pid
                log = "remove \(target)"
                tracker.remove(target)
                model.processes[target] = nil
            case 55..<62:
                log = "remove unknown-or-not \(pid)"
                tracker.remove(pid)
                model.processes[pid] = nil
            case 62..<70:
                let target = random.next() % 4 == 0 ? pid : (model.processes.keys.randomElement(using: &random) ?? pid)
                let ruid = Self.ids.randomElement(using: &random)!
                let euid = Self.ids.randomElement(using: &random)!
                log = "setUIDs \(target)"
                #expect(tracker.setUIDs(target, ruid: ruid, euid: euid) == (model.processes[target] != nil), "step \(step): \(log)")
                model.processes[target]?.ruid = ruid
                model.processes[target]?.euid = euid
            case 70..<76:
                let target = random.next() % 4 == 0 ? pid : (model.processes.keys.randomElement(using: &random) ?? pid)
                let rgid = Self.ids.randomElement(using: &random)!
                let egid = Self.ids.randomElement(using: &random)!
                log = "setGIDs \(target)"
                #expect(tracker.setGIDs(target, rgid: rgid, egid: egid) == (model.processes[target] != nil), "step \(step): \(log)")
                model.processes[target]?.rgid = rgid
                model.processes[target]?.egid = egid
            case 76..<84:
                let target = random.next() % 4 == 0 ? pid : (model.processes.keys.randomElement(using: &random) ?? pid)
                let comm = Self.comms.randomElement(using: &random)!
                log = "setComm \(target)"
                #expect(tracker.setComm(target, comm) == (model.processes[target] != nil), "step \(step): \(log)")
                model.processes[target]?.comm = ProcessName(comm)
            case 84..<87:
                // A rescan: most processes as they are, some gone, some changed, some new.
                var scan: [(Int32, ProcessIdentity)] = []
                for (known, identity) in model.processes where random.next() % 5 != 0 {
                    scan.append((known, random.next() % 6 == 0 ? Self.identity(&random) : identity))
                }
                for _ in 0..<Int.random(in: 0...4, using: &random) { scan.append((Self.pid(&random), Self.identity(&random))) }
                scan.shuffle(using: &random)
                let republishAll = random.next() % 2 == 0
                log = "reconcile \(scan.count) republishAll \(republishAll)"
                tracker.reconcile(with: scan, republishAll: republishAll)
                model.processes = [:]
                for (known, identity) in scan { model.processes[known] = identity }
                if republishAll { model.forced = Set(model.table.namespaceNames) }
                // Reconciling twice is the same as once.
                if random.next() % 2 == 0 {
                    tracker.reconcile(with: scan, republishAll: false)
                }
            case 87..<89:
                let table = Self.tables.randomElement(using: &random)!
                let republishAll = random.next() % 2 == 0
                log = "replaceTable \(table.namespaceNames) republishAll \(republishAll)"
                let change = tracker.replaceTable(table, republishAll: republishAll)
                let old = model.table.namespaceNames
                #expect(change.added == table.namespaceNames.filter { !old.contains($0) }, "step \(step): \(log)")
                #expect(change.removed == old.filter { table.id(of: $0) == nil }, "step \(step): \(log)")
                #expect(change.kept == table.namespaceNames.filter { old.contains($0) }, "step \(step): \(log)")
                model.replaceTable(table, republishAll: republishAll)
            default:
                log = "drain"
                let expected = model.changed
                #expect(tracker.hasChanges == !expected.isEmpty, "step \(step): \(log)")
                #expect(tracker.drained() == expected, "step \(step): \(log)")
                model.drain()
            }

            #expect(tracker.processCount == model.processes.count, "step \(step): \(log)")
            let membership = model.membership
            var actual: [String: [Int32]] = [:]
            for name in tracker.table.namespaceNames { actual[name] = tracker.members(name) }
            #expect(actual == membership, "step \(step): \(log)")
            if actual != membership { return }
        }
        for (pid, identity) in model.processes {
            #expect(tracker.identity(of: pid) == identity)
        }
        #expect(tracker.drained() == model.changed)
    }
}
