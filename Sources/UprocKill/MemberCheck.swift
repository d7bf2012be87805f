import UprocRules
import UprocTracker

/// Which processes of the named namespaces are members now, as the daemon
/// decides it: a rule's conditions, a template's expansion, and for a tree
/// also the lineage. A tree member may match nothing itself (a daemon that
/// forked twice runs under init), so its ancestry is checked: its parents in
/// `/proc`, each confirmed by start time, up to one that is a root, or the
/// daemon's lineage file (`LineageSnapshot`), where a process is on record
/// with its start time, so a later process with its PID is never taken for it.
package struct MemberCheck {
    package enum Namespace {
        /// A rule's namespace (a tree's when `table.isTree`).
        case rule(NamespaceID, name: String)
        /// A name a dynamic template makes (`cmd.sleep` of `cmd "*" cmd.{cmd}`).
        case template(name: String)

        package var name: String {
            switch self {
            case .rule(_, let name), .template(let name): name
            }
        }
    }

    /// What is known of one process: its identity and the facts its rules read.
    package struct Facts {
        package var identity: ProcessIdentity
        package var executable: [UInt8]?
        /// Field 4 and 22 of `/proc/PID/stat`; nil when unread or unknown.
        package var parent: Int32?
        package var start: UInt64?

        package init(identity: ProcessIdentity, executable: [UInt8]? = nil, parent: Int32? = nil, start: UInt64? = nil) {
            self.identity = identity
            self.executable = executable
            self.parent = parent
            self.start = start
        }
    }

    package let table: DecisionTable
    package let namespaces: [Namespace]
    package let lineage: LineageSnapshot?
    /// Whether any namespace needs the lineage (parent and start time).
    package let hasTrees: Bool
    /// The facts any rule reads.
    package let keys: RuleKeys
    /// How far up the parents are followed: a chain longer than any real one.
    static let ancestryLimit = 4096

    package init(table: DecisionTable, namespaces: [Namespace], lineage: LineageSnapshot? = nil) {
        self.table = table
        self.namespaces = namespaces
        self.lineage = lineage
        hasTrees = namespaces.contains { namespace in
            switch namespace {
            case .rule(let id, _): table.isTree(id)
            case .template: table.templates.contains(where: \.isTree)
            }
        }
        keys = table.usedKeys
    }

    /// The namespace of which the process is a member, if any. `facts(pid)`
    /// reads another process (an ancestor) as `facts` was read: identity,
    /// parent and start; nil once gone.
    package func member(_ pid: Int32, _ facts: Facts, reading: (Int32) -> Facts?) -> String? {
        for namespace in namespaces where holds(namespace, facts) { return namespace.name }
        guard hasTrees else { return nil }
        let trees = namespaces.filter(isTree)
        guard !trees.isEmpty, let start = facts.start else { return nil }
        if let onFile = lineageMember(pid, start: start, of: trees) { return onFile }
        // Up the parents: each must have started no later than its child
        // (else its PID was reused), and is a root now or on file.
        var child = (pid: pid, start: start, parent: facts.parent)
        for _ in 0..<Self.ancestryLimit {
            guard let parent = child.parent, parent > 1, parent != child.pid, let read = reading(parent),
                  let parentStart = read.start, parentStart <= child.start else { return nil }
            for namespace in trees where holds(namespace, read) { return namespace.name }
            if let onFile = lineageMember(parent, start: parentStart, of: trees) { return onFile }
            child = (parent, parentStart, read.parent)
        }
        return nil
    }

    private func isTree(_ namespace: Namespace) -> Bool {
        switch namespace {
        case .rule(let id, _): table.isTree(id)
        case .template: table.templates.contains(where: \.isTree)
        }
    }

    /// Whether the process matches the namespace's rule itself (for a tree:
    /// is one of its roots).
    private func holds(_ namespace: Namespace, _ facts: Facts) -> Bool {
        let matches = facts.executable.map { table.executableMatches(path: $0) } ?? .none
        switch namespace {
        case .rule(let id, _):
            return table.rule(id, holdsFor: facts.identity, executable: matches)
        case .template(let name):
            var made: [UInt8] = []
            for index in table.templates.indices {
                made.removeAll(keepingCapacity: true)
                if table.templateName(index, for: facts.identity, executable: matches, path: facts.executable, into: &made),
                   made.elementsEqual(name.utf8) {
                    return true
                }
            }
            return false
        }
    }

    private func lineageMember(_ pid: Int32, start: UInt64, of trees: [Namespace]) -> String? {
        guard let lineage, let record = lineage.record(pid: pid, start: start) else { return nil }
        return trees.first { lineage.record(record, isIn: $0.name) }?.name
    }
}
