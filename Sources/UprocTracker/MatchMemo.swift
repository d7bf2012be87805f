import UprocRules

/// The namespaces of the last identity classified. A fork storm classifies
/// one identity again and again (children inherit it, and exit with it); the
/// memo turns each of those classifications into one 32-byte comparison and
/// reuses one buffer, so the hot path neither walks the table nor allocates.
/// Valid for one table only: the tracker resets it with the table.
@usableFromInline
struct MatchMemo: Sendable {
    @usableFromInline var identity: ProcessIdentity? = nil
    /// Namespace indices, in the table's `forEachMatch` order.
    @usableFromInline var indices: [Int32] = []

    @inlinable init() {}

    /// The namespace indices `identity` matches in `table`.
    @inlinable
    mutating func matches(of identity: ProcessIdentity, in table: DecisionTable) -> [Int32] {
        if self.identity == identity { return indices }
        indices.removeAll(keepingCapacity: true)
        table.forEachMatch(identity) { indices.append($0.index) }
        self.identity = identity
        return indices
    }
}
