import Testing
import UprocRules
import UprocTestSupport
@testable import UprocTracker

/// The obvious implementation of trees and templates: every process ever
/// seen kept forever with its parent at fork (so a lineage through exited
/// processes is plain to see), tree membership as a set of names per
/// process, sticky, and everything else recomputed from the rules by name.
struct TreeModel {
    struct Node {
        var pid: Int32
        /// The node of its parent at fork; nil when unknown.
        var parent: Int?
        /// The node that forked it, whatever the rules (what `/proc` shows
        /// as its parent while that one lives).
        var forker: Int? = nil
        var alive: Bool
        var identity: ProcessIdentity
        var executable: [UInt8]?
        var trees: Set<String> = []
    }

    var table: DecisionTable
    var nodes: [Node] = []
    var live: [Int32: Int] = [:]
    /// Per dynamic tree name, the text of the template that made it.
    var treeTemplates: [String: String] = [:]

    init(table: DecisionTable) { self.table = table }

    /// Login UIDs (and paths) are kept while some rule reads one.
    static func keepsFacts(_ table: DecisionTable) -> Bool {
        table.hasExtensions && !table.usedKeys.isDisjoint(with: [.loginuid, .exe])
    }

    static func templateText(_ rule: RuleTemplate) -> String {
        var rule = rule
        rule.line = 0
        return rule.description
    }

    /// The trees whose roots a process with these facts is (static and dynamic names).
    func roots(_ identity: ProcessIdentity, _ executable: [UInt8]?) -> [(String, String?)] {
        var result: [(String, String?)] = []
        for rule in table.rules where rule.isTree && rule.holds(for: identity, executable: executable) {
            result.append((rule.namespace, nil))
        }
        let matches = executable.map { table.executableMatches(path: $0) } ?? .none
        var name: [UInt8] = []
        for (index, template) in table.templates.enumerated() where template.isTree {
            if table.templateName(index, for: identity, executable: matches, path: executable, into: &name) {
                let text = String(decoding: name, as: UTF8.self)
                if table.id(of: text) == nil { result.append((text, Self.templateText(template.rule))) }
            }
        }
        return result
    }

    /// The non-tree namespaces of a process with these facts, by name.
    func plainNames(_ identity: ProcessIdentity, _ executable: [UInt8]?) -> [String] {
        var result: [String] = []
        for rule in table.rules where !rule.isTree && rule.holds(for: identity, executable: executable) {
            result.append(rule.namespace)
        }
        let matches = executable.map { table.executableMatches(path: $0) } ?? .none
        var name: [UInt8] = []
        for (index, template) in table.templates.enumerated() where !template.isTree {
            if table.templateName(index, for: identity, executable: matches, path: executable, into: &name) {
                let text = String(decoding: name, as: UTF8.self)
                if table.id(of: text) == nil { result.append(text) }
            }
        }
        return result
    }

    func descendants(of node: Int) -> [Int] {
        var result: [Int] = []
        var stack = [node]
        while let current = stack.popLast() {
            for (index, other) in nodes.enumerated() where other.parent == current {
                if other.alive { result.append(index) }
                stack.append(index)
            }
        }
        return result
    }

    /// `node` starts to match the roots of these trees: it and its live
    /// descendants join those they are not in.
    mutating func addRoots(_ node: Int) {
        guard table.hasTrees else { return }
        for (name, template) in roots(nodes[node].identity, nodes[node].executable) where !nodes[node].trees.contains(name) {
            if let template { treeTemplates[name] = template }
            nodes[node].trees.insert(name)
            for descendant in descendants(of: node) { nodes[descendant].trees.insert(name) }
        }
    }

    mutating func fork(_ parent: Int32, _ child: Int32) -> Bool {
        guard let parentNode = live[parent], live[child] == nil else { return false }
        let parentFacts = nodes[parentNode]
        nodes.append(Node(pid: child, parent: table.hasTrees ? parentNode : nil, forker: parentNode, alive: true,
                          identity: parentFacts.identity, executable: parentFacts.executable,
                          trees: table.hasTrees ? parentFacts.trees : []))
        live[child] = nodes.count - 1
        addRoots(nodes.count - 1)
        return true
    }

    mutating func upsert(_ pid: Int32, _ identity: ProcessIdentity, _ executable: [UInt8]??) {
        // An exec's path is not kept while no rule asks for it: unknown;
        // a login UID not while the rules are plain.
        let executable = table.usedKeys.contains(.exe) || executable == nil ? executable : .some(nil)
        var identity = identity
        if !Self.keepsFacts(table) { identity.loginuid = ProcessIdentity.unsetLoginUID }
        if let node = live[pid] {
            nodes[node].identity = identity
            if let executable { nodes[node].executable = executable }
            addRoots(node)
        } else {
            nodes.append(Node(pid: pid, parent: nil, alive: true, identity: identity, executable: executable ?? nil))
            live[pid] = nodes.count - 1
            addRoots(nodes.count - 1)
        }
    }

    mutating func remove(_ pid: Int32) {
        guard let node = live.removeValue(forKey: pid) else { return }
        nodes[node].alive = false
    }

    mutating func replaceTable(_ newTable: DecisionTable) {
        let oldTemplates = treeTemplates
        table = newTable
        if !newTable.usedKeys.contains(.exe) {
            for index in nodes.indices { nodes[index].executable = nil }
        }
        if !Self.keepsFacts(newTable) {
            for index in nodes.indices { nodes[index].identity.loginuid = ProcessIdentity.unsetLoginUID }
        }
        let newTreeTemplates = Set(newTable.templates.filter(\.isTree).map { Self.templateText($0.rule) })
        guard newTable.hasTrees else {
            // No trees: no lineage is followed from now on.
            for index in nodes.indices {
                nodes[index].trees = []
                nodes[index].parent = nil
            }
            treeTemplates = [:]
            return
        }
        for index in nodes.indices where nodes[index].alive {
            nodes[index].trees = nodes[index].trees.filter { name in
                if let id = newTable.id(of: name) { return newTable.isTree(id) }
                return oldTemplates[name].map(newTreeTemplates.contains) ?? false
            }
        }
        treeTemplates = treeTemplates.filter { newTreeTemplates.contains($0.value) && newTable.id(of: $0.key) == nil }
        // Parents first, so that descendants see their ancestors' new roots.
        for index in nodes.indices where nodes[index].alive { addRoots(index) }
    }

    /// The PID `/proc` shows as `node`'s parent: the one that forked it
    /// while it lives, else init.
    func procParent(_ node: Int) -> Int32 {
        guard let forker = nodes[node].forker, nodes[forker].alive else { return 1 }
        return nodes[forker].pid
    }

    /// A daemon restart: lineage not known is taken from `/proc` (the
    /// forker, while it lives), and trees pass down to what was adopted.
    mutating func restart() {
        guard table.hasTrees else { return }
        for index in nodes.indices where nodes[index].alive && nodes[index].parent == nil {
            if let forker = nodes[index].forker, nodes[forker].alive { nodes[index].parent = forker }
        }
        for index in nodes.indices where nodes[index].alive {
            var ancestor = nodes[index].parent
            while let current = ancestor, !nodes[current].alive { ancestor = nodes[current].parent }
            if let ancestor { nodes[index].trees.formUnion(nodes[ancestor].trees) }
        }
    }

    /// Every namespace with what the files would say: a rule's namespaces
    /// all (empty ones too), dynamic ones while they have members.
    var membership: [String: [Int32]] {
        var result: [String: [Int32]] = [:]
        for name in table.namespaceNames { result[name] = [] }
        for pid in live.keys.sorted() {
            let node = nodes[live[pid]!]
            for name in plainNames(node.identity, node.executable) { result[name, default: []].append(pid) }
            for name in node.trees.sorted() { result[name, default: []].append(pid) }
        }
        return result
    }
}

/// What a publisher leaves in its directory after drains.
struct Directory {
    var files: [String: [Int32]] = [:]

    mutating func apply(_ tracker: inout Tracker) {
        // Only a name whose file was written is reported removed.
        for name in tracker.takeRemovedNamespaces() {
            #expect(files[name] != nil, "\(name) removed but never written")
            files[name] = nil
        }
        let table = tracker.table
        var written: [String: [Int32]] = [:]
        let reader = tracker
        tracker.publishChanged { leader, members in
            if Int(leader.index) < table.namespaceCount {
                table.forEachNamespace(inGroupOf: leader) { written[table.name(of: $0)] = Array(members) }
            } else {
                written[reader.name(of: leader)] = Array(members)
            }
            return true
        }
        for (name, members) in written { files[name] = members }
    }
}

@Suite struct TreeModelTests {
    static let accounts = StaticAccounts(users: ["root": 0, "alice": 1000, "bob": 1001], groups: ["root": 0, "users": 100])

    static func compile(_ text: String, maxNamespaces: Int = DecisionTable.defaultMaxNamespaces) -> DecisionTable {
        let compilation = RuleCompiler(accounts: accounts, maxNamespaces: maxNamespaces).compile(SourceFile(path: "t", text: text))
        precondition(compilation.table != nil, "\(compilation.diagnostics.map(\.message))")
        return compilation.table!
    }

    static let tables: [DecisionTable] = [
        compile("""
            tree cmd sshd ssh.all
            tree uid 1000 cmd make builds
            loginuid 1000 login.alice
            uid 0 root
            cmd "*" cmd.{cmd}
            exe "/usr/bin/*" bin
            """),
        compile("""
            tree loginuid * session.{loginuser}
            tree exe "/opt/*" opt.{exe}
            uid * u.{user}
            cmd bash shells
            cmd sleep cmd.sleep
            """),
        compile("""
            tree cmd sshd ssh.all
            tree exe "/opt/*" opt.{exe}
            cmd "s*" s.{cmd}
            """),
        compile("uid 0 root\ncmd bash shells\n"),
    ]

    static let uids: [UInt32] = [0, 1000, 1001, 4242]
    static let comms: [ProcessName] = ["bash", "sshd", "make", "cc1", "Web Content", "sleep", "kworker/0:1-events"]
    static let logins: [UInt32] = [ProcessIdentity.unsetLoginUID, 1000, 4242]
    static let paths: [String] = ["/usr/bin/bash", "/usr/sbin/sshd", "/opt/tool", "/opt/other (deleted)", "/usr/bin/make"]

    static func identity(_ random: inout SplitMix64) -> ProcessIdentity {
        ProcessIdentity(
            ruid: uids.randomElement(using: &random)!, euid: uids.randomElement(using: &random)!, rgid: 100, egid: 100,
            comm: comms.randomElement(using: &random)!, loginuid: logins.randomElement(using: &random)!)
    }

    @Test(arguments: Array(UInt64(1)...16))
    func randomEventsMatchTheModel(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let start = Self.tables[Int(seed) % 3]
        var tracker = Tracker(table: start)
        var model = TreeModel(table: start)
        var directory = Directory()
        var recent: [Int32] = []
        var nextPID: Int32 = 2
        // A first process of each kind.
        for _ in 0..<4 {
            let identity = Self.identity(&random)
            let path = Array(Self.paths.randomElement(using: &random)!.utf8)
            tracker.upsert(nextPID, identity, executable: path)
            model.upsert(nextPID, identity, .some(path))
            recent.append(nextPID)
            nextPID += 1
        }
        for step in 0..<2_000 {
            let operation = Int.random(in: 0..<100, using: &random)
            var log = ""
            let known = model.live.keys.sorted()
            switch operation {
            case 0..<35:
                // Mostly from recent children: deep chains.
                let parent = recent.last(where: { model.live[$0] != nil }).flatMap { random.next() % 3 == 0 ? nil : $0 }
                    ?? known.randomElement(using: &random) ?? 1
                let child = random.next() % 10 == 0 ? (known.randomElement(using: &random) ?? nextPID) : nextPID
                if child == nextPID { nextPID += 1 }
                log = "fork \(parent) -> \(child)"
                let expected = model.fork(parent, child)
                let forked = tracker.fork(parent: parent, child: child)
                #expect(forked == expected, "step \(step): \(log)")
                if expected { recent.append(child) }
            case 35..<50:
                // Exec: a new name and executable, perhaps a set-uid one.
                guard let pid = known.randomElement(using: &random) else { continue }
                var identity = tracker.identity(of: pid)!
                identity.comm = Self.comms.randomElement(using: &random)!
                if random.next() % 3 == 0 { identity.euid = Self.uids.randomElement(using: &random)! }
                let path = Array(Self.paths.randomElement(using: &random)!.utf8)
                log = "exec \(pid) \(identity.comm) \(String(decoding: path, as: UTF8.self))"
                tracker.upsert(pid, identity, executable: path)
                model.upsert(pid, identity, .some(path))
            case 50..<57:
                guard let pid = known.randomElement(using: &random) else { continue }
                let uid = Self.uids.randomElement(using: &random)!
                log = "setuid \(pid) \(uid)"
                let known = tracker.setUIDs(pid, ruid: uid, euid: uid)
                #expect(known)
                var identity = model.nodes[model.live[pid]!].identity
                identity.ruid = uid
                identity.euid = uid
                model.upsert(pid, identity, nil)
            case 57..<62:
                guard let pid = known.randomElement(using: &random) else { continue }
                let comm = Self.comms.randomElement(using: &random)!
                guard let short = comm.comm else { continue }
                log = "rename \(pid) \(comm)"
                let renamed = tracker.setComm(pid, short)
                #expect(renamed)
                var identity = model.nodes[model.live[pid]!].identity
                identity.comm = comm
                model.upsert(pid, identity, nil)
            case 62..<90:
                // Exits, often of intermediates whose children live on.
                guard let pid = known.randomElement(using: &random) else { continue }
                log = "exit \(pid)"
                tracker.remove(pid)
                model.remove(pid)
            case 90..<91:
                // The daemon restarts: a fresh tracker from the scan, /proc's
                // parents, and the lineage file.
                log = "restart"
                let starts = Dictionary(uniqueKeysWithValues: model.live.map { ($0.key, UInt64($0.value)) })
                let snapshot = tracker.lineageSnapshot(written: 0) { starts[$0] }
                let decoded = try! LineageSnapshot.decode(snapshot.encode())
                var fresh = Tracker(table: tracker.table)
                for (pid, node) in model.live.sorted(by: { $0.key < $1.key }) {
                    fresh.upsert(pid, model.nodes[node].identity, executable: model.nodes[node].executable)
                }
                fresh.adoptParents { pid in model.live[pid].map { model.procParent($0) } }
                _ = fresh.restoreLineage(decoded) { starts[$0] }
                tracker = fresh
                model.restart()
                directory = Directory()
            case 91..<92:
                let identity = Self.identity(&random)
                log = "upsert new \(nextPID)"
                tracker.upsert(nextPID, identity)
                model.upsert(nextPID, identity, nil)
                nextPID += 1
            case 92..<94:
                let table = Self.tables.randomElement(using: &random)!
                log = "replaceTable \(table.namespaceNames.prefix(3))"
                let change = tracker.replaceTable(table, republishAll: random.next() % 2 == 0)
                for name in change.removed { directory.files[name] = nil }
                model.replaceTable(table)
            default:
                log = "drain"
                directory.apply(&tracker)
                #expect(directory.files == model.membership.filter { !$0.value.isEmpty || model.table.id(of: $0.key) != nil },
                        "step \(step): \(log)")
            }
            var actual: [String: [Int32]] = [:]
            for name in tracker.table.namespaceNames { actual[name] = tracker.members(of: tracker.table.id(of: name)!) }
            for id in tracker.dynamicNamespaces { actual[tracker.name(of: id)] = tracker.members(of: id) }
            let expected = model.membership
            #expect(actual == expected, "step \(step): \(log)")
            #expect(tracker.processCount == model.live.count)
            if actual != expected { return }
        }
        directory.apply(&tracker)
        #expect(directory.files == model.membership)
    }
}
