/// The accounted namespaces (by slot, a dense index the daemon assigns)
/// a process is in: up to four inline, more in an array (a process is
/// rarely in more than a few accounted namespaces, so joining and leaving
/// allocate nothing). Unordered, each slot once.
package struct SlotSet: Hashable, Sendable, Sequence {
    @usableFromInline var inline: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    @usableFromInline var inlineCount: UInt8 = 0
    @usableFromInline var more: [UInt32] = []

    @inlinable package init() {}

    package init<S: Sequence>(_ slots: S) where S.Element == UInt32 {
        for slot in slots { insert(slot) }
    }

    @inlinable package var count: Int { Int(inlineCount) + more.count }
    @inlinable package var isEmpty: Bool { inlineCount == 0 }

    @inlinable
    func inlineSlot(_ index: Int) -> UInt32 {
        switch index {
        case 0: return inline.0
        case 1: return inline.1
        case 2: return inline.2
        default: return inline.3
        }
    }

    @inlinable
    mutating func setInline(_ index: Int, _ slot: UInt32) {
        switch index {
        case 0: inline.0 = slot
        case 1: inline.1 = slot
        case 2: inline.2 = slot
        default: inline.3 = slot
        }
    }

    @inlinable
    package func contains(_ slot: UInt32) -> Bool {
        for index in 0..<Int(inlineCount) where inlineSlot(index) == slot { return true }
        return !more.isEmpty && more.contains(slot)
    }

    /// Adds `slot`; false when it was there.
    @inlinable @discardableResult
    package mutating func insert(_ slot: UInt32) -> Bool {
        if contains(slot) { return false }
        if inlineCount < 4 {
            setInline(Int(inlineCount), slot)
            inlineCount &+= 1
        } else {
            more.append(slot)
        }
        return true
    }

    /// Removes `slot`; false when it was not there.
    @inlinable @discardableResult
    package mutating func remove(_ slot: UInt32) -> Bool {
        for index in 0..<Int(inlineCount) where inlineSlot(index) == slot {
            // The last slot, from the array if any, fills the hole.
            if let last = more.popLast() {
                setInline(index, last)
            } else {
                setInline(index, inlineSlot(Int(inlineCount) - 1))
                inlineCount &-= 1
            }
            return true
        }
        if let position = more.firstIndex(of: slot) {
            more.remove(at: position)
            return true
        }
        return false
    }

    package static func == (a: SlotSet, b: SlotSet) -> Bool {
        a.count == b.count && a.allSatisfy { b.contains($0) }
    }

    package func hash(into hasher: inout Hasher) {
        // Order-independent.
        var sum: UInt64 = 0
        for slot in self { sum &+= UInt64(slot) &* 0x9E37_79B9_7F4A_7C15 }
        hasher.combine(count)
        hasher.combine(sum)
    }

    package struct Iterator: IteratorProtocol {
        @usableFromInline let set: SlotSet
        @usableFromInline var index = 0

        @inlinable init(set: SlotSet) { self.set = set }

        @inlinable
        package mutating func next() -> UInt32? {
            defer { index &+= 1 }
            if index < Int(set.inlineCount) { return set.inlineSlot(index) }
            let position = index &- Int(set.inlineCount)
            return position < set.more.count ? set.more[position] : nil
        }
    }

    @inlinable package func makeIterator() -> Iterator { Iterator(set: self) }
}
