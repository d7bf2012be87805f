import UprocRules

/// The executables of the known processes, interned: a process holds a
/// 4-byte ID, a fork copies it and bumps a count. Each distinct path is
/// matched against the table's `exe` patterns once (`matches`), not per
/// process or per event. ID 0 is "unknown" (not read, or no rule asks).
@usableFromInline
struct Executables: Sendable {
    @usableFromInline var paths: [[UInt8]] = [[]]
    @usableFromInline var counts: [UInt32] = [0]
    /// Per ID, which of the table's patterns the path matches.
    @usableFromInline var matches: [ExecutableMatches] = [.none]
    private var ids: [[UInt8]: UInt32] = [:]
    private var free: [UInt32] = []

    @inlinable init() {}

    var liveCount: Int { ids.count }

    /// The ID of `path`, interned and matched against `table`; retained once.
    mutating func intern(_ path: [UInt8], table: DecisionTable) -> UInt32 {
        if let id = ids[path] {
            counts[Int(id)] &+= 1
            return id
        }
        let id: UInt32
        let matched = table.executableMatches(path: path)
        if let reused = free.popLast() {
            id = reused
            paths[Int(id)] = path
            matches[Int(id)] = matched
            counts[Int(id)] = 1
        } else {
            id = UInt32(paths.count)
            paths.append(path)
            matches.append(matched)
            counts.append(1)
        }
        ids[path] = id
        return id
    }

    @inlinable
    mutating func retain(_ id: UInt32) {
        if id != 0 { counts[Int(id)] &+= 1 }
    }

    /// Drops one holder; true when that was the last (the ID may then be
    /// reused for another path: memo entries keyed by it must go).
    @inlinable
    mutating func release(_ id: UInt32) -> Bool {
        guard id != 0 else { return false }
        counts[Int(id)] &-= 1
        guard counts[Int(id)] == 0 else { return false }
        drop(id)
        return true
    }

    @usableFromInline
    mutating func drop(_ id: UInt32) {
        ids[paths[Int(id)]] = nil
        paths[Int(id)] = []
        matches[Int(id)] = .none
        free.append(id)
    }

    /// The path of `id`, or nil for 0.
    func path(_ id: UInt32) -> [UInt8]? { id == 0 ? nil : paths[Int(id)] }

    /// Matches every path again (new rules).
    mutating func rematch(_ table: DecisionTable) {
        for id in paths.indices where id != 0 && counts[id] > 0 {
            matches[id] = table.executableMatches(path: paths[id])
        }
    }
}
