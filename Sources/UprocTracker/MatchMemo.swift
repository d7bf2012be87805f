import UprocRules

/// The namespaces of the last few identities classified. A fork storm
/// classifies one identity again and again (children inherit it, and exit
/// with it); a fork+exec storm alternates between the parent's identity and
/// the program's. The memo turns each of those classifications into one or
/// a few comparisons of 32-byte keys (an identity as the process table
/// stores it) and reuses its buffers, so the hot path neither walks the
/// table, nor allocates, nor builds whole identities. A kernel thread's
/// long name is more than its key holds: it is classified through the table
/// each time, into an entry of its own never looked up. Valid for one table
/// only: the tracker resets it with the table.
@usableFromInline
struct MatchMemo: Sendable {
    @usableFromInline typealias Key = ProcessTable.Stored

    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var key: Key
        /// Group leaders' namespace indices, in the table's
        /// `forEachMatchingGroup` order, then dynamic namespaces'; no tree's.
        @usableFromInline var indices: [Int32]
        /// The tree namespaces (static and dynamic) the identity is a root of.
        @usableFromInline var roots: [Int32] = []
        /// Some dynamic template matched but its namespace was not there (a
        /// look-up that makes none, or the cap): classify again to join.
        @usableFromInline var pending = false
        /// Some index is a dynamic namespace's (checked when one is removed).
        @usableFromInline var dynamic = false
        /// `roots` as an interned tree set (retained while the entry holds it).
        @usableFromInline var rootSet: UInt32 = 0
        /// The login UID and executable the entry is for (general tables;
        /// part of the key there).
        @usableFromInline var facts = ProcessTable.Facts()

        @inlinable
        init(key: Key, indices: [Int32]) {
            self.key = key
            self.indices = indices
        }
    }

    @usableFromInline static let capacity = 4
    /// The entry of a long name's classification, after the memoized ones.
    @usableFromInline static let longEntry = capacity

    /// `capacity` memoized entries (unused ones under a key no identity
    /// has), then `longEntry`.
    @usableFromInline var entries: [Entry]
    /// The entry that answered last: checked first.
    @usableFromInline var last = 0
    /// The entry a miss refills next, round robin.
    @usableFromInline var victim = 0

    @inlinable init() {
        entries = Array(repeating: Entry(key: .unused, indices: []), count: Self.capacity + 1)
    }

    /// The entry holding the namespaces of the identity stored as `key`,
    /// or nil (always for a long name).
    @inlinable
    mutating func lookup(_ key: Key) -> Int? {
        if key.hasLongName { return nil }
        if entries[last].key == key { return last }
        for slot in 0..<Self.capacity where slot != last && entries[slot].key == key {
            last = slot
            return slot
        }
        return nil
    }

    /// `lookup` for a general table, whose key includes the facts.
    @inlinable
    mutating func lookup(_ key: Key, facts: ProcessTable.Facts) -> Int? {
        if key.hasLongName { return nil }
        if entries[last].key == key && entries[last].facts == facts { return last }
        for slot in 0..<Self.capacity where slot != last && entries[slot].key == key && entries[slot].facts == facts {
            last = slot
            return slot
        }
        return nil
    }

    /// The entry holding the namespaces the identity stored as `key`
    /// matches in `table`, walking the table on a miss with the whole
    /// identity (`identity()`). Callers read `entries[slot].indices` in
    /// place: returning the array would cost a retain and a release per
    /// event.
    @inlinable
    mutating func classify(_ key: Key, in table: DecisionTable, _ identity: () -> ProcessIdentity) -> Int {
        if let slot = lookup(key) { return slot }
        let slot: Int
        if key.hasLongName {
            slot = Self.longEntry
        } else {
            slot = victim
            victim = (victim &+ 1) % Self.capacity
            entries[slot].key = key
            last = slot
        }
        entries[slot].indices.removeAll(keepingCapacity: true)
        table.forEachMatchingGroup(identity()) { entries[slot].indices.append($0.index) }
        return slot
    }

    /// `classify` for a whole identity.
    @inlinable
    mutating func classify(_ identity: ProcessIdentity, in table: DecisionTable) -> Int {
        classify(Key(identity), in: table) { identity }
    }

    /// The entry a miss fills for `key`, emptied (a long name's own entry,
    /// or the next victim), and the tree set it held (to release).
    mutating func take(_ key: Key) -> (slot: Int, rootSet: UInt32) {
        let slot: Int
        if key.hasLongName {
            slot = Self.longEntry
        } else {
            slot = victim
            victim = (victim &+ 1) % Self.capacity
            entries[slot].key = key
            last = slot
        }
        entries[slot].indices.removeAll(keepingCapacity: true)
        entries[slot].roots.removeAll(keepingCapacity: true)
        entries[slot].pending = false
        entries[slot].dynamic = false
        entries[slot].facts = ProcessTable.Facts()
        defer { entries[slot].rootSet = 0 }
        return (slot, entries[slot].rootSet)
    }

    /// Forgets the entries of executable `id` (its ID is free for another path).
    mutating func forget(executable id: UInt32) {
        for slot in entries.indices where entries[slot].facts.executable == id { entries[slot].key = .unused }
    }

    /// Forgets the entries that name dynamic namespace `index` (removed:
    /// its ID may come back for another name) or wait for one (room was
    /// made). The arrays stay as they are: a caller may be walking one.
    mutating func forget(dynamic index: Int32) {
        for slot in entries.indices where entries[slot].pending
            || (entries[slot].dynamic && (entries[slot].indices.contains(index) || entries[slot].roots.contains(index))) {
            entries[slot].key = .unused
        }
    }
}
