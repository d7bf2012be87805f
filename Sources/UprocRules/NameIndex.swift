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

    /// The number of slots: room for half as many names.
    var slotCount: Int { slots.count }

    /// The index of `name` in `names`, or nil.
    func index(of name: String, in names: [String]) -> Int32? {
        Self.withBytes(name) { key in
            slots.withUnsafeBufferPointer { slots in
                var slot = Int(truncatingIfNeeded: Self.hash(key) >> shift)
                while true {
                    let index = slots[slot]
                    if index < 0 { return nil }
                    if Self.withBytes(names[Int(index)], { Self.same($0, key) }) { return index }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    /// Records `names[index]`; returns the index already recorded for an
    /// equal name instead (nothing changes then).
    mutating func insert(_ index: Int32, in names: [String]) -> Int32? {
        let existing = self.index(of: names[Int(index)], in: names)
        if existing != nil { return existing }
        var slot = Self.withBytes(names[Int(index)]) { Int(truncatingIfNeeded: Self.hash($0) >> shift) }
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = index
        return nil
    }

    /// Calls `body` with the name's UTF-8 bytes: in place for native
    /// strings (small ones included), copied for others.
    @inline(__always)
    private static func withBytes<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = name.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = name
        return copy.withUTF8(body)
    }

    @inline(__always)
    private static func same(_ lhs: UnsafeBufferPointer<UInt8>, _ rhs: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var index = 0
        while index < lhs.count {
            if lhs[index] != rhs[index] { return false }
            index &+= 1
        }
        return true
    }

    /// FNV-1a over the bytes, then a multiply so the top bits (the slot) mix
    /// every byte.
    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return (hash ^ (hash >> 32)) &* 0x9E37_79B9_7F4A_7C15
    }
}
