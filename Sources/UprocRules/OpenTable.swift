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
///
/// 8 bytes a slot for a `UInt32` key, at a load of at most three quarters:
/// 100,000 `uid` rules take 1.0 MiB (2.3 MiB with 12-byte slots at half
/// load). Keys of one rule, what large configs are made of, keep the rule
/// in the slot; the few keys of several rules keep an index into `spans`.
struct OpenTable<Key: OpenTableKey>: Sendable {
    struct Entry: Sendable {
        var key: Key
        /// While building: how many rules the key has. Built: with
        /// `singleFlag`, the key's one rule (low 30 bits) and maybe
        /// `soleConditionFlag`; without, an index into `spans`.
        var value: UInt32
    }

    private var entries: [Entry]
    /// Keys of several rules: `start << 32 | count` in the candidate list.
    private var spans: [UInt64] = []
    /// The number of slots, as a multiplier: a hash's top 32 bits times
    /// this, shifted down, is a slot (any size works, not only powers of
    /// two, so a table is no bigger than its load needs).
    private let size: UInt64
    private(set) var count = 0

    /// Room for `capacity` keys at a load of at most three quarters.
    init(capacity: Int) {
        let size = max(8, capacity + capacity / 3 + 1)
        entries = Array(repeating: Entry(key: .vacant, value: 0), count: size)
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
        entries[slot(inserting: key)].value += 1
    }

    /// Marks a slot that holds its key's one rule (or will: see `pendingRule`).
    private static var singleFlag: UInt32 { 1 << 30 }
    private static var ruleMask: UInt32 { singleFlag - 1 }
    /// A key counted once, until `claim` stores its rule in the slot.
    private static var pendingRule: UInt32 { ruleMask }

    /// Lays the spans of keys with several rules out from `start` in the
    /// candidate list (a key with one rule needs no room there); returns
    /// the end.
    mutating func layOut(from start: Int) -> Int {
        var next = start
        for slot in entries.indices where entries[slot].key != .vacant {
            let count = Int(entries[slot].value)
            if count == 1 {
                entries[slot].value = Self.singleFlag | Self.pendingRule
            } else {
                entries[slot].value = UInt32(spans.count)
                spans.append(UInt64(next) << 32)
                next += count
            }
        }
        return next
    }

    /// Files `rule` under `key` (after `layOut`): the candidate-list
    /// position to store it at, or nil when the key has this one rule, then
    /// stored in the slot itself (saves a memory access per lookup in the
    /// common one-rule-per-value case), flagged when the rule tests nothing
    /// else.
    mutating func claim(_ key: Key, rule: Int32, isSoleCondition: Bool) -> Int? {
        let slot = slot(inserting: key)
        let value = entries[slot].value
        if value & Self.singleFlag != 0 {
            precondition(UInt32(rule) < Self.pendingRule, "more rules than an OpenTable slot can number")
            entries[slot].value = Self.singleFlag | UInt32(rule) | (isSoleCondition ? Self.soleConditionFlag : 0)
            return nil
        }
        spans[Int(value)] += 1
        let span = spans[Int(value)]
        return Int(span >> 32) + Int(span & 0xFFFF_FFFF) - 1
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

    /// The span of `key` as `start << 32 | count` (for one rule: the rule,
    /// count 1 and maybe `soleConditionFlag`), or 0 (count 0) when `key`
    /// is absent.
    @inline(__always)
    func span(of key: Key) -> UInt64 {
        entries.withUnsafeBufferPointer { entries in
            var slot = home(key)
            while true {
                let entry = entries[slot]
                if entry.key == key {
                    let value = entry.value
                    if value & Self.singleFlag == 0 { return spans[Int(value)] }
                    return UInt64(value & Self.ruleMask) << 32 | UInt64(value & Self.soleConditionFlag) | 1
                }
                if entry.key == .vacant { return 0 }
                slot = next(slot)
            }
        }
    }
}
