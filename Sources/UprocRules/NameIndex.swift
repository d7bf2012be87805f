/// Namespace name to index, as open addressing over `Int32` indices into the
/// table's name list: 4 bytes a slot at a load of at most one half, where a
/// `[String: Int32]` holds a 16-byte key copy and a value per bucket. Names
/// compare by bytes, as the file system does.
struct NameIndex: Sendable {
    private var slots: [Int32]
    private let shift: UInt64
    private let mask: Int

    /// Room for `capacity` names.
    init(capacity: Int) {
        var size = 8
        var bits: UInt64 = 3
        while size < capacity * 2 {
            size <<= 1
            bits += 1
        }
        slots = Array(repeating: -1, count: size)
        shift = 64 - bits
        mask = size - 1
    }

    /// The index of `name` in `names`, or nil.
    func index(of name: String, in names: [String]) -> Int32? {
        slots.withUnsafeBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: Self.hash(name) >> shift)
            while true {
                let index = slots[slot]
                if index < 0 { return nil }
                if Self.same(names[Int(index)], name) { return index }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Records `names[index]`; returns the index already recorded for an
    /// equal name instead (nothing changes then).
    mutating func insert(_ index: Int32, in names: [String]) -> Int32? {
        let name = names[Int(index)]
        var slot = Int(truncatingIfNeeded: Self.hash(name) >> shift)
        while true {
            let existing = slots[slot]
            if existing < 0 {
                slots[slot] = index
                return nil
            }
            if Self.same(names[Int(existing)], name) { return existing }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func same(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// FNV-1a over the bytes, then a multiply so the top bits (the slot) mix
    /// every byte.
    @inline(__always)
    private static func hash(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return (hash ^ (hash >> 32)) &* 0x9E37_79B9_7F4A_7C15
    }
}
