import UprocRules
import UprocTracker

/// A process on the way from the one explained up to init, as `/proc`
/// shows it: the explained process first, then its parent, and so on.
package struct ProcessAncestor: Hashable, Sendable {
    package var pid: Int32
    package var identity: ProcessIdentity
    /// The target of `/proc/PID/exe`; nil when it cannot be read.
    package var executable: [UInt8]?

    package init(pid: Int32, identity: ProcessIdentity, executable: [UInt8]? = nil) {
        self.pid = pid
        self.identity = identity
        self.executable = executable
    }
}

/// What `--explain` knows of a process's lineage: its `/proc` ancestry and
/// the lineage uprocd keeps (which remembers ancestors that exited, whose
/// descendants `/proc` shows as init's or a subreaper's children).
package struct LineageContext: Hashable, Sendable {
    /// The explained process first, then its ancestors.
    package var chain: [ProcessAncestor]
    /// The explained process's start time (field 22 of `/proc/PID/stat`).
    package var start: UInt64?
    /// uprocd's lineage file, when it could be read, and its path.
    package var lineage: LineageSnapshot?
    package var lineagePath: String

    package init(chain: [ProcessAncestor], start: UInt64?, lineage: LineageSnapshot?, lineagePath: String) {
        self.chain = chain
        self.start = start
        self.lineage = lineage
        self.lineagePath = lineagePath
    }
}

/// Which root or ancestor puts a process in each tree namespace: what
/// `uproc-check --explain PID` adds for tree rules.
package enum TreeExplanation {
    package static func explain(_ context: LineageContext, table: DecisionTable) -> String {
        let trees = table.rules.filter(\.isTree)
        guard !trees.isEmpty, let process = context.chain.first else { return "" }
        var lines: [String] = []
        let record = context.start.flatMap { context.lineage?.record(pid: process.pid, start: $0) }
        for rule in trees {
            let what = "tree '\(rule.namespace)' (\(MembershipExplanation.line(rule)))"
            if let index = context.chain.firstIndex(where: { rule.holds(for: $0.identity, executable: $0.executable) }) {
                if index == 0 {
                    lines.append("  \(what): it is a root")
                } else {
                    let root = context.chain[index]
                    let path = context.chain[...index].map { "\($0.pid)" }.joined(separator: " < ")
                    lines.append("  \(what): its ancestor \(root.pid) '\(root.identity.comm)' is a root (\(path))")
                }
            } else if let lineage = context.lineage, let record, lineage.record(record, isIn: rule.namespace) {
                let ancestors = lineage.ancestry(of: record).dropFirst().map { index -> String in
                    let ancestor = lineage.records[index]
                    return ancestor.exited
                        ? "\(ancestor.pid) '\(String(decoding: ancestor.comm, as: UTF8.self))' (exited)" : "\(ancestor.pid)"
                }
                let chain = ancestors.isEmpty ? "" : ": recorded ancestors \(ancestors.joined(separator: " < "))"
                lines.append("  \(what): by uprocd's lineage (\(context.lineagePath)), through an ancestor /proc no longer shows\(chain)")
            }
        }
        guard !lines.isEmpty else { return "in no tree namespace (no ancestor in /proc is a root, and uprocd's lineage lists it in none)\n" }
        return "in tree namespaces:\n" + lines.joined(separator: "\n") + "\n"
    }
}
