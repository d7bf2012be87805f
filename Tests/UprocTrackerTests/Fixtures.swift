import UprocRules
import UprocTracker

/// Rules and identities shared by the tests, built as values (not parsed).
enum Fixture {
    static let rules: [Rule] = [
        Rule(conditions: [.id(.uid, 0)], namespace: "uid.root"),
        Rule(conditions: [.id(.uid, 1000)], namespace: "uid.alice"),
        Rule(conditions: [.id(.uid, 1001)], namespace: "uid.bob"),
        Rule(conditions: [.id(.gid, 100)], namespace: "gid.users"),
        Rule(conditions: [.comm("sshd")], namespace: "cmd.sshd"),
        Rule(conditions: [.id(.uid, 1000), .comm("sshd")], namespace: "alice.ssh"),
        Rule(conditions: [.id(.ruid, 1001)], namespace: "ruid.bob"),
        Rule(conditions: [.id(.rgid, 0), .id(.gid, 100)], namespace: "rgid.root.gid.users"),
        Rule(conditions: [.commPattern(CommPattern("py*"))], namespace: "cmd.py"),
    ]
    static let table = DecisionTable(rules: rules)

    static let root = ProcessIdentity(uid: 0, gid: 0, comm: "bash")
    static let alice = ProcessIdentity(uid: 1000, gid: 100, comm: "bash")
    static let aliceSSHD = ProcessIdentity(uid: 1000, gid: 100, comm: "sshd")
    static let bob = ProcessIdentity(uid: 1001, gid: 1001, comm: "python3")
    static let nobody = ProcessIdentity(uid: 65534, gid: 65534, comm: "sleep")
}

extension Tracker {
    /// Members of the namespace called `name` (which must exist).
    func members(_ name: String) -> [Int32] {
        members(of: table.id(of: name)!)
    }

    /// Every namespace with members, by name: what the files would say,
    /// leaving out the empty ones.
    var nonEmptyNamespaces: [String: [Int32]] {
        var result: [String: [Int32]] = [:]
        for index in 0..<table.namespaceCount {
            let members = members(of: NamespaceID(index))
            if !members.isEmpty { result[table.namespaceNames[index]] = members }
        }
        return result
    }

    /// Drains the changes into name → members (a group's list under each of
    /// its names), failing on a namespace reported twice.
    mutating func drained() -> [String: [Int32]] {
        var result: [String: [Int32]] = [:]
        let names = table.namespaceNames
        let table = table
        publishChangedNamed { leader, dynamicName, members in
            if let dynamicName {
                precondition(result[dynamicName] == nil, "\(dynamicName) reported twice in one drain")
                result[dynamicName] = Array(members)
                return true
            }
            // What a publisher does: the group's every file gets the list.
            precondition(table.isGroupLeader(leader), "\(names[Int(leader.index)]) reported but not a group leader")
            table.forEachNamespace(inGroupOf: leader) { namespace in
                let name = names[Int(namespace.index)]
                precondition(result[name] == nil, "\(name) reported twice in one drain")
                result[name] = Array(members)
            }
            return true
        }
        return result
    }

    /// Whether a drain now would report anything (`settleChanges`, on a copy).
    var hasChanges: Bool {
        var copy = self
        return copy.settleChanges()
    }
}

/// A `/proc` snapshot as `reconcile` takes it, written as a literal
/// (duplicates allowed, order kept).
func snapshot(_ entries: KeyValuePairs<Int32, ProcessIdentity>) -> [(Int32, ProcessIdentity)] {
    entries.map { ($0.key, $0.value) }
}
