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

    /// Makes `indices` the namespaces `identity` matches in `table`. Callers
    /// then read `indices` in place: returning the array would cost a retain
    /// and a release per event.
    @inlinable
    mutating func classify(_ identity: ProcessIdentity, in table: DecisionTable) {
        if self.identity == identity { return }
        indices.removeAll(keepingCapacity: true)
        table.forEachMatch(identity) { indices.append($0.index) }
        self.identity = identity
    }
}
