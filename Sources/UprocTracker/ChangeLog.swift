/// Every join and leave since the namespaces' last publish, as
/// `namespace << 32 | pid`, for exact change detection where the cheap
/// proof (a member count that moved) says nothing: a join or leave
/// flips the PID's membership, so a namespace's members differ from the
/// published ones exactly when some PID of it was flipped an odd number of
/// times. `settle` sorts the log and cancels pairs, leaving the symmetric
/// difference itself. (A fingerprint such as an xor of PID hashes can be
/// fooled: PIDs whose hashes cancel hide a real change.)
///
/// Bounded: past `limit` entries the tracker stops logging and reports the
/// touched namespaces as changed without looking (a rewrite too many, never
/// one too few). One buffer for all namespaces, reused: no allocation per
/// event once it has grown.
@usableFromInline
struct ChangeLog: Sendable {
    @usableFromInline var entries: [UInt64] = []
    /// Entries `[0, settled)` are sorted and hold each key once.
    @usableFromInline var settled = 0

    @usableFromInline static let limit = 4096

    @inlinable init() {}

    @inlinable var isFull: Bool { entries.count >= Self.limit }

    @inlinable
    static func key(_ namespace: Int, _ pid: Int32) -> UInt64 {
        UInt64(truncatingIfNeeded: namespace) &<< 32 | UInt64(UInt32(bitPattern: pid))
    }

    @inlinable
    static func namespace(of key: UInt64) -> Int { Int(truncatingIfNeeded: key &>> 32) }

    /// How far back `append` looks for the same key to cancel at once: a
    /// process that starts and ends inside one window (a fork storm's child)
    /// then leaves nothing to sort.
    @usableFromInline static let lookback = 4

    @inlinable
    mutating func append(_ namespace: Int, _ pid: Int32) {
        let key = Self.key(namespace, pid)
        var index = entries.count
        let stop = max(settled, index &- Self.lookback)
        while index > stop {
            index &-= 1
            if entries[index] == key {
                // Two flips cancel; the order of unsettled entries is free.
                entries[index] = entries[entries.count &- 1]
                entries.removeLast()
                return
            }
        }
        entries.append(key)
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        settled = 0
    }

    /// Sorts and cancels pairs: afterwards each key is there once, and only
    /// if it was flipped an odd number of times. Returns false when nothing
    /// was added since the last call.
    mutating func settle() -> Bool {
        guard settled != entries.count else { return false }
        entries.sort()
        var kept = 0
        var index = 0
        while index < entries.count {
            let key = entries[index]
            var run = 1
            while index &+ run < entries.count && entries[index &+ run] == key { run &+= 1 }
            if run & 1 == 1 {
                entries[kept] = key
                kept &+= 1
            }
            index &+= run
        }
        entries.removeLast(entries.count &- kept)
        settled = kept
        return true
    }

    /// Keeps the entries of namespaces for which `keep` holds (order kept,
    /// so the settled prefix stays settled).
    mutating func retain(_ keep: (Int) -> Bool) {
        var kept = 0
        var keptSettled = 0
        for position in entries.indices where keep(Self.namespace(of: entries[position])) {
            entries[kept] = entries[position]
            kept &+= 1
            if position < settled { keptSettled &+= 1 }
        }
        entries.removeLast(entries.count &- kept)
        settled = keptSettled
    }
}
