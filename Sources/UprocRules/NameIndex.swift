/// Namespace name to index, as open addressing over `Int32` indices into the
/// table's name list: 4 bytes a slot at a load of at most three quarters
/// (533 KB for 100,000 names), where a `[String: Int32]` holds a 16-byte
/// key copy and a value per bucket. Names compare by bytes, as the file
/// system does.
struct NameIndex: Sendable {
    private var slots: [Int32]
    /// The number of slots, as a multiplier (see `home`): any size works,
    /// so the index is no bigger than its load needs.
    private let size: UInt64

    /// Room for `capacity` names.
    init(capacity: Int) {
        let size = max(8, capacity + capacity / 3 + 1)
        slots = Array(repeating: -1, count: size)
        self.size = UInt64(size)
    }

    /// Whether `count` names fit at a load of at most three quarters.
    func holds(_ count: Int) -> Bool { count * 4 <= slots.count * 3 }

    /// The first slot to probe for a name of this hash.
    @inline(__always)
    private func home(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: ((hash >> 32) &* size) >> 32)
    }

    @inline(__always)
    private func next(_ slot: Int) -> Int {
        let next = slot &+ 1
        return next == slots.count ? 0 : next
    }

    /// The index of `name` in `names`, or nil.
    func index(of name: String, in names: [String]) -> Int32? {
        Self.withBytes(name) { key in
            slots.withUnsafeBufferPointer { slots in
                var slot = home(Self.hash(key))
                while true {
                    let index = slots[slot]
                    if index < 0 { return nil }
                    if Self.withBytes(names[Int(index)], { Self.same($0, key) }) { return index }
                    slot = next(slot)
                }
            }
        }
    }

    /// Records `names[index]`; returns the index already recorded for an
    /// equal name instead (nothing changes then).
    mutating func insert(_ index: Int32, in names: [String]) -> Int32? {
        let existing = self.index(of: names[Int(index)], in: names)
        if existing != nil { return existing }
        var slot = home(Self.withBytes(names[Int(index)]) { Self.hash($0) })
        while slots[slot] >= 0 { slot = next(slot) }
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
