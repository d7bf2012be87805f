import UprocRules

extension Tracker {
    /// Calls `body` with the leader of each group of namespaces `pid` is in
    /// now (as `namespaces(of:)` would list them, a group once), in the
    /// table's order; returns false, calling nothing, when `pid` is unknown.
    ///
    /// For accounting, after each event that may move a process: which
    /// accounted namespaces it is in now. The memo of recent identities
    /// answers (the identity just classified, or its parent's at a FORK):
    /// no allocation, one or a few key comparisons.
    @inlinable
    package mutating func forEachGroup(of pid: Int32, _ body: (NamespaceID) -> Void) -> Bool {
        guard let slot = processes.slot(of: pid) else { return false }
        let stored = processes.values[slot]
        let entry: Int
        if _slowPath(stored.hasLongName) {
            entry = memo.classify(processes.identity(at: slot), in: table)
        } else {
            entry = memo.classify(stored, in: table) { stored.shortIdentity }
        }
        for index in memo.entries[entry].indices.indices { body(NamespaceID(memo.entries[entry].indices[index])) }
        return true
    }
}
