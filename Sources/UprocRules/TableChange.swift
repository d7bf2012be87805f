/// How a new rule table's namespaces relate to the old one's, by name (IDs
/// are only valid within one table).
package struct TableChange: Hashable, Sendable {
    /// Names only in the new table, in its order: their files must be created.
    package var added: [String]
    /// Names only in the old table, in its order: their files must be deleted.
    package var removed: [String]
    /// Names in both, in the new table's order.
    package var kept: [String]

    package init(added: [String], removed: [String], kept: [String]) {
        self.added = added
        self.removed = removed
        self.kept = kept
    }
}
