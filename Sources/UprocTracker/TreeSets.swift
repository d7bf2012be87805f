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
    /// The last union asked for, while no set was dropped since: a fork
    /// storm asks the same one (the parent's set and its identity's roots).
    private var lastUnion: (a: UInt32, b: UInt32, result: UInt32) = (0, 0, 0)
    private var lastUnionValid = false

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
        lastUnionValid = false
    }

    /// The set of both sets' namespaces (not retained).
    @inlinable
    mutating func union(_ a: UInt32, _ b: UInt32) -> UInt32 {
        if b == 0 || a == b { return a }
        if a == 0 { return b }
        return unionSlow(a, b)
    }

    @usableFromInline
    mutating func unionSlow(_ a: UInt32, _ b: UInt32) -> UInt32 {
        if lastUnionValid && lastUnion.a == a && lastUnion.b == b { return lastUnion.result }
        var merged: [Int32] = []
        let left = members[Int(a)], right = members[Int(b)]
        merged.reserveCapacity(left.count + right.count)
        var i = 0, j = 0
        while i < left.count || j < right.count {
            if j == right.count || (i < left.count && left[i] < right[j]) {
                merged.append(left[i])
                i += 1
            } else if i == left.count || right[j] < left[i] {
                merged.append(right[j])
                j += 1
            } else {
                merged.append(left[i])
                i += 1
                j += 1
            }
        }
        let result = merged == left ? a : merged == right ? b : id(of: merged)
        lastUnion = (a, b, result)
        lastUnionValid = true
        return result
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
