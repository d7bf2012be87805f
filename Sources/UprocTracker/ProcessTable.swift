import UprocRules

/// PID → identity for the known processes.
@usableFromInline
struct ProcessTable: Sendable {
    @usableFromInline var storage: [Int32: ProcessIdentity] = [:]

    @usableFromInline typealias Slot = Dictionary<Int32, ProcessIdentity>.Index

    @inlinable init() {}

    @inlinable var count: Int { storage.count }

    @inlinable
    subscript(pid: Int32) -> ProcessIdentity? { storage[pid] }

    /// Stores `identity` for `pid`; returns the identity it replaced.
    @inlinable
    mutating func updateValue(_ identity: ProcessIdentity, for pid: Int32) -> ProcessIdentity? {
        storage.updateValue(identity, forKey: pid)
    }

    /// Stores `identity` for a `pid` not yet known; returns false, changing
    /// nothing, when it is known.
    @inlinable
    mutating func insertNew(_ identity: ProcessIdentity, for pid: Int32) -> Bool {
        if let old = storage.updateValue(identity, forKey: pid) {
            storage[pid] = old
            return false
        }
        return true
    }

    @inlinable
    mutating func removeValue(for pid: Int32) -> ProcessIdentity? {
        storage.removeValue(forKey: pid)
    }

    @inlinable
    func slot(of pid: Int32) -> Slot? { storage.index(forKey: pid) }

    @inlinable
    func identity(at slot: Slot) -> ProcessIdentity { storage.values[slot] }

    @inlinable
    mutating func setIdentity(_ identity: ProcessIdentity, at slot: Slot) {
        storage.values[slot] = identity
    }

    func forEachPID(_ body: (Int32) -> Void) {
        for pid in storage.keys { body(pid) }
    }

    /// All known PIDs, ascending (allocates).
    func sortedPIDs() -> [Int32] { storage.keys.sorted() }
}
