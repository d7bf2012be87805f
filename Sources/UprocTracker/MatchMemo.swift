import UprocRules

/// The namespaces of the last few identities classified. A fork storm
/// classifies one identity again and again (children inherit it, and exit
/// with it); a fork+exec storm alternates between the parent's identity and
/// the program's. The memo turns each of those classifications into one or
/// a few 32-byte comparisons and reuses its buffers, so the hot path neither
/// walks the table nor allocates. Valid for one table only: the tracker
/// resets it with the table.
@usableFromInline
struct MatchMemo: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var identity: ProcessIdentity
        /// Group leaders' namespace indices, in the table's
        /// `forEachMatchingGroup` order.
        @usableFromInline var indices: [Int32]

        @inlinable
        init(identity: ProcessIdentity, indices: [Int32]) {
            self.identity = identity
            self.indices = indices
        }
    }

    @usableFromInline static let capacity = 4

    @usableFromInline var entries: [Entry] = []
    /// The entry that answered last: checked first.
    @usableFromInline var last = 0
    /// The entry a miss refills next, round robin.
    @usableFromInline var victim = 0

    @inlinable init() {}

    /// The entry holding `identity`'s namespaces, or nil.
    @inlinable
    mutating func lookup(_ identity: ProcessIdentity) -> Int? {
        if last < entries.count && entries[last].identity == identity { return last }
        for slot in entries.indices where slot != last && entries[slot].identity == identity {
            last = slot
            return slot
        }
        return nil
    }

    /// The entry holding the namespaces `identity` matches in `table`,
    /// walking the table on a miss. Callers read `entries[slot].indices` in
    /// place: returning the array would cost a retain and a release per event.
    @inlinable
    mutating func classify(_ identity: ProcessIdentity, in table: DecisionTable) -> Int {
        if let slot = lookup(identity) { return slot }
        let slot: Int
        if entries.count < Self.capacity {
            slot = entries.count
            entries.append(Entry(identity: identity, indices: []))
        } else {
            slot = victim
            victim = (victim &+ 1) % Self.capacity
            entries[slot].identity = identity
            entries[slot].indices.removeAll(keepingCapacity: true)
        }
        table.forEachMatchingGroup(identity) { entries[slot].indices.append($0.index) }
        last = slot
        return slot
    }
}
