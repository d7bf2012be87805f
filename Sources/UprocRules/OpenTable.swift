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
/// `DecisionTable`'s candidate list. Built once, then read only: lookups are
/// a multiply, a shift and (usually) one comparison, where `Dictionary`
/// would run SipHash.
struct OpenTable<Key: OpenTableKey>: Sendable {
    /// Key and span side by side: a probe touches one cache line.
    struct Entry: Sendable {
        var key: Key
        /// `start << 32 | count` into the candidate list; when `count` is 1
        /// (after `inlineSingles`), `start` is the rule itself.
        var span: UInt64
    }

    private var entries: [Entry]
    private let shift: UInt64
    private let mask: Int
    private(set) var count = 0

    /// Room for `capacity` keys at a load of at most one half.
    init(capacity: Int) {
        var size = 8
        var bits: UInt64 = 3
        while size < capacity * 2 {
            size <<= 1
            bits += 1
        }
        entries = Array(repeating: Entry(key: .vacant, span: 0), count: size)
        shift = 64 - bits
        mask = size - 1
    }

    var isEmpty: Bool { count == 0 }

    /// The slot of `key`, inserting it when absent.
    mutating func slot(inserting key: Key) -> Int {
        var slot = Int(truncatingIfNeeded: key.mixed >> shift)
        while true {
            if entries[slot].key == key { return slot }
            if entries[slot].key == .vacant {
                entries[slot].key = key
                count += 1
                return slot
            }
            slot = (slot + 1) & mask
        }
    }

    /// Adds one to the count of `key`'s span.
    mutating func countOne(_ key: Key) {
        entries[slot(inserting: key)].span += 1
    }

    /// Turns counts into `start << 32 | count`, laying spans out from
    /// `start`; returns the end.
    mutating func layOut(from start: Int) -> Int {
        var next = start
        for slot in entries.indices where entries[slot].key != .vacant {
            let count = Int(entries[slot].span)
            entries[slot].span = UInt64(next) << 32
            next += count
        }
        return next
    }

    /// Claims the next free position in `key`'s span (after `layOut`).
    mutating func claim(_ key: Key) -> Int {
        let slot = slot(inserting: key)
        let span = entries[slot].span
        entries[slot].span += 1
        return Int(span >> 32) + Int(span & 0xFFFF_FFFF)
    }

    /// Set in a span's count when its one rule has no other condition: a
    /// hit is a match, without reading the rule.
    static var soleConditionFlag: UInt64 { 1 << 31 }

    /// Stores a span of one rule as the rule itself (saves a memory access
    /// per lookup in the common one-rule-per-value case), flagged when the
    /// rule tests nothing else.
    mutating func inlineSingles(_ candidates: [Int32], isSoleCondition: (Int32) -> Bool) {
        for slot in entries.indices where entries[slot].key != .vacant && entries[slot].span & 0xFFFF_FFFF == 1 {
            let rule = candidates[Int(entries[slot].span >> 32)]
            let flag = isSoleCondition(rule) ? Self.soleConditionFlag : 0
            entries[slot].span = UInt64(UInt32(rule)) << 32 | flag | 1
        }
    }

    /// The span of `key`, or 0 (count 0) when `key` is absent.
    @inline(__always)
    func span(of key: Key) -> UInt64 {
        entries.withUnsafeBufferPointer { entries in
            var slot = Int(truncatingIfNeeded: key.mixed >> shift)
            while true {
                let entry = entries[slot]
                if entry.key == key { return entry.span }
                if entry.key == .vacant { return 0 }
                slot = (slot + 1) & mask
            }
        }
    }
}
