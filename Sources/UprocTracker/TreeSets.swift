/// The sets of tree namespaces processes are in, interned: a process holds
/// a 4-byte set ID, and a fork copies it and bumps a count (no allocation,
/// no hash). A set is made when a process first joins a tree it was not in
/// (a new root and its descendants), and freed with its last process.
/// Set 0 is the empty set and is never counted.
@usableFromInline
struct TreeSets: Sendable {
    /// Per set: its namespace indices, ascending.
    @usableFromInline var members: [[Int32]] = [[]]
    /// Per set: how many processes hold it.
    @usableFromInline var counts: [UInt32] = [0]
    private var ids: [[Int32]: UInt32] = [:]
    private var free: [UInt32] = []

    @inlinable init() {}

    /// Sets in use, the empty one excluded.
    var liveCount: Int { ids.count }

    @inlinable
    mutating func retain(_ set: UInt32) {
        if set != 0 { counts[Int(set)] &+= 1 }
    }

    /// Drops one holder; the set is freed with its last.
    @inlinable
    mutating func release(_ set: UInt32) {
        guard set != 0 else { return }
        counts[Int(set)] &-= 1
        if counts[Int(set)] == 0 { drop(set) }
    }

    @usableFromInline
    mutating func drop(_ set: UInt32) {
        ids[members[Int(set)]] = nil
        members[Int(set)] = []
        free.append(set)
    }

    /// The ID of the set of `namespaces` (ascending), made if new; not retained.
    mutating func id(of namespaces: [Int32]) -> UInt32 {
        if namespaces.isEmpty { return 0 }
        if let id = ids[namespaces] { return id }
        let id: UInt32
        if let reused = free.popLast() {
            id = reused
            members[Int(id)] = namespaces
            counts[Int(id)] = 0
        } else {
            id = UInt32(members.count)
            members.append(namespaces)
            counts.append(0)
        }
        ids[namespaces] = id
        return id
    }

    /// `set` with `namespace` added (not retained).
    mutating func adding(_ namespace: Int32, to set: UInt32) -> UInt32 {
        var namespaces = members[Int(set)]
        let position = namespaces.firstIndex { $0 >= namespace } ?? namespaces.count
        if position < namespaces.count && namespaces[position] == namespace { return set }
        namespaces.insert(namespace, at: position)
        return id(of: namespaces)
    }

    /// Whether `set` holds `namespace`.
    func contains(_ set: UInt32, _ namespace: Int32) -> Bool {
        set != 0 && members[Int(set)].contains(namespace)
    }
}
