/// A key of an `OpenTable`: cheap to hash, with one value no real key has.
protocol OpenTableKey: Equatable, Sendable {
    /// Marks an empty slot.
    static var vacant: Self { get }
    var mixed: UInt64 { get }
}

extension UInt32: OpenTableKey {
    /// 4294967295 is the kernel's "no ID" and never a rule's value.
    static var vacant: UInt32 { .max }
    @inline(__always) var mixed: UInt64 { UInt64(self) &* 0x9E37_79B9_7F4A_7C15 }
}

extension Comm: OpenTableKey {
    /// A length byte of 255 cannot occur (a comm has at most 15 bytes).
    static var vacant: Comm { Comm(low: 0, high: .max) }
    @inline(__always) var mixed: UInt64 {
        (low ^ (high &* 0xC2B2_AE3D_27D4_EB4F) ^ (low >> 29)) &* 0x9E37_79B9_7F4A_7C15
    }
}

/// Open addressing with linear probing from a key to a span of
/// `DecisionTable`'s candidate list (or, for one rule, the rule). Built once, then read only: lookups are
/// two multiplies, shifts and (usually) one comparison, where `Dictionary`
/// would run SipHash.
struct OpenTable<Key: OpenTableKey>: Sendable {
    /// Key and span side by side: a probe touches one cache line; 12
    /// bytes for a `UInt32` key.
    struct Entry: Sendable {
        var key: Key
        /// Where the key's rules start in the candidate list; when `count`
        /// is 1, the rule itself.
        var start: UInt32
        /// How many rules, with `soleConditionFlag` (or, while building,
        /// `pendingSingle`).
        var count: UInt32
    }

    private var entries: [Entry]
    /// The number of slots, as a multiplier: a hash's top 32 bits times
    /// this, shifted down, is a slot (any size works, not only powers of
    /// two, so a table is no bigger than its load needs).
    private let size: UInt64
    private(set) var count = 0

    /// Room for `capacity` keys at a load of at most one half.
    init(capacity: Int) {
        let size = max(8, capacity * 2)
        entries = Array(repeating: Entry(key: .vacant, start: 0, count: 0), count: size)
        self.size = UInt64(size)
    }

    var isEmpty: Bool { count == 0 }

    /// The slot of `key`, inserting it when absent.
    mutating func slot(inserting key: Key) -> Int {
        var slot = home(key)
        while true {
            if entries[slot].key == key { return slot }
            if entries[slot].key == .vacant {
                entries[slot].key = key
                count += 1
                return slot
            }
            slot = next(slot)
        }
    }

    /// Adds one to the count of `key`'s rules.
    mutating func countOne(_ key: Key) {
        entries[slot(inserting: key)].count += 1
    }

    /// Marks a key counted once, until `claim` stores its rule inline.
    private static var pendingSingle: UInt32 { 1 << 30 }

    /// Lays the spans of keys with several rules out from `start` in the
    /// candidate list (a key with one rule needs no room there); returns
    /// the end.
    mutating func layOut(from start: Int) -> Int {
        var next = start
        for slot in entries.indices where entries[slot].key != .vacant {
            let count = Int(entries[slot].count)
            if count == 1 {
                entries[slot].count = Self.pendingSingle
            } else {
                entries[slot].start = UInt32(next)
                entries[slot].count = 0
                next += count
            }
        }
        return next
    }

    /// Files `rule` under `key` (after `layOut`): the candidate-list
    /// position to store it at, or nil when the key has this one rule, then
    /// stored in the entry itself (saves a memory access per lookup in the
    /// common one-rule-per-value case), flagged when the rule tests nothing
    /// else.
    mutating func claim(_ key: Key, rule: Int32, isSoleCondition: Bool) -> Int? {
        let slot = slot(inserting: key)
        if entries[slot].count == Self.pendingSingle {
            entries[slot].start = UInt32(rule)
            entries[slot].count = 1 | (isSoleCondition ? Self.soleConditionFlag : 0)
            return nil
        }
        entries[slot].count += 1
        return Int(entries[slot].start) + Int(entries[slot].count) - 1
    }

    /// Set in a span's count when its one rule has no other condition: a
    /// hit is a match, without reading the rule.
    static var soleConditionFlag: UInt32 { 1 << 31 }

    /// The first slot to probe for `key`.
    @inline(__always)
    private func home(_ key: Key) -> Int {
        Int(truncatingIfNeeded: ((key.mixed >> 32) &* size) >> 32)
    }

    /// Linear probing, wrapping at the end.
    @inline(__always)
    private func next(_ slot: Int) -> Int {
        let next = slot &+ 1
        return next == Int(truncatingIfNeeded: size) ? 0 : next
    }

    /// The span of `key`, or 0 (count 0) when `key` is absent.
    @inline(__always)
    func span(of key: Key) -> UInt64 {
        entries.withUnsafeBufferPointer { entries in
            var slot = home(key)
            while true {
                let entry = entries[slot]
                if entry.key == key { return UInt64(entry.start) << 32 | UInt64(entry.count) }
                if entry.key == .vacant { return 0 }
                slot = next(slot)
            }
        }
    }
}
