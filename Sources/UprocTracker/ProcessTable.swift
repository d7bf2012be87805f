import UprocRules

/// PID → identity for the known processes: open addressing with linear
/// probing over a power-of-two table, Fibonacci hashing of the PID (PIDs are
/// dense and mostly sequential; a multiply spreads them) and backward-shift
/// deletion, so exits leave no tombstones. Keys and identities live in
/// separate arrays so a probe walks 16 keys per cache line. Swift's
/// `Dictionary` costs a SipHash per look-up, which was a third of the fork
/// path.
///
/// A slot holds 40 bytes: the IDs, the first two words of the name (all
/// of a process's `comm`), the login UID and the executable (an ID into
/// the tracker's `Executables`). The rest of a longer name, which only
/// kernel threads have, is kept aside by PID (`longTails`), so that 10,000
/// slots do not carry 48 bytes each for a few dozen kernel threads. While
/// the rules have trees, each slot also has its lineage (`links`, 20 bytes).
///
/// Key 0 marks an empty slot: PIDs are positive, and the tracker ignores
/// any other.
@usableFromInline
struct ProcessTable: Sendable {
    @usableFromInline typealias Slot = Int

    /// An identity in 40 bytes, with its executable: its name's bytes
    /// after the 15th, if any, are in `longTails`.
    @usableFromInline
    struct Stored: Equatable, Sendable {
        @usableFromInline var ruid: UInt32
        @usableFromInline var euid: UInt32
        @usableFromInline var rgid: UInt32
        @usableFromInline var egid: UInt32
        @usableFromInline var nameLow: UInt64
        @usableFromInline var nameHigh: UInt64
        @usableFromInline var loginuid: UInt32
        /// The executable, an ID of the tracker's `Executables` (0: unknown).
        @usableFromInline var executable: UInt32

        @inlinable
        init(_ identity: ProcessIdentity, executable: UInt32 = 0) {
            ruid = identity.ruid
            euid = identity.euid
            rgid = identity.rgid
            egid = identity.egid
            nameLow = identity.comm.low
            nameHigh = identity.comm.high
            loginuid = identity.loginuid
            self.executable = executable
        }

        @inlinable
        func identity(tail: ProcessName.Tail) -> ProcessIdentity {
            ProcessIdentity(ruid: ruid, euid: euid, rgid: rgid, egid: egid,
                            comm: ProcessName(low: nameLow, high: nameHigh, tail: tail), loginuid: loginuid)
        }

        /// The name is longer than 15 bytes (its length is the top byte).
        @inlinable
        var hasLongName: Bool { nameHigh &>> 56 > UInt64(Comm.maxLength) }

        /// The identity, when its name is not long.
        @inlinable
        var shortIdentity: ProcessIdentity { identity(tail: ProcessTable.noTail) }

        @inlinable
        init(ruid: UInt32, euid: UInt32, rgid: UInt32, egid: UInt32, nameLow: UInt64, nameHigh: UInt64) {
            self.ruid = ruid
            self.euid = euid
            self.rgid = rgid
            self.egid = egid
            self.nameLow = nameLow
            self.nameHigh = nameHigh
            loginuid = ProcessIdentity.unsetLoginUID
            executable = 0
        }

        /// What no identity is stored as (a name's length is at most 63).
        @inlinable
        static var unused: Stored { Stored(ruid: 0, euid: 0, rgid: 0, egid: 0, nameLow: 0, nameHigh: .max) }

        @inlinable
        static func == (a: Stored, b: Stored) -> Bool {
            a.euid == b.euid && a.nameHigh == b.nameHigh && a.nameLow == b.nameLow && a.egid == b.egid
                && a.ruid == b.ruid && a.rgid == b.rgid && a.loginuid == b.loginuid && a.executable == b.executable
        }
    }

    /// A process's place in the lineage while the rules have trees: its
    /// parent at fork (by PID and serial, so a reused PID is told apart),
    /// whether it ever forked (it may then link descendants to its
    /// ancestors after it exits), and the tree namespaces it is in (an
    /// interned set, see `TreeSets`). 20 bytes.
    @usableFromInline
    struct Links: Sendable, Equatable {
        /// The parent's PID, or 0 when unknown.
        @usableFromInline var parent: Int32 = 0
        @usableFromInline var parentSerial: UInt32 = 0
        /// Told apart from every other process this tracker has known.
        @usableFromInline var serial: UInt32 = 0
        /// It forked at least once (no count: an exit then touches no parent).
        @usableFromInline var forked = false
        /// The tree namespaces it is in.
        @usableFromInline var trees: UInt32 = 0

        @inlinable init() {}
    }

    @usableFromInline var keys: [Int32]
    @usableFromInline var values: [Stored]
    /// Per slot, while lineage is followed; empty otherwise.
    @usableFromInline var links: [Links] = []
    /// The name bytes after the 15th of the processes whose names are longer.
    @usableFromInline var longTails: [Int32: ProcessName.Tail] = [:]
    @usableFromInline var count = 0
    @usableFromInline var mask: Int
    /// 64 − log2(capacity): the multiply's top bits are the home slot.
    @usableFromInline var shift: UInt64

    @usableFromInline static let empty = Stored(ProcessIdentity(uid: 0, gid: 0, comm: ProcessName()))
    /// A name of at most 15 bytes has no tail (a computed value: a stored
    /// static would cost a once-check on every read).
    @inlinable static var noTail: ProcessName.Tail { (0, 0, 0, 0, 0, 0) }

    @inlinable
    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity { size &<<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: Self.empty, count: size)
        mask = size &- 1
        shift = UInt64(64 &- size.trailingZeroBitCount)
    }

    @inlinable
    func home(of pid: Int32) -> Int {
        Int(truncatingIfNeeded: (UInt64(UInt32(bitPattern: pid)) &* 0x9E37_79B9_7F4A_7C15) &>> shift)
    }

    /// The slot holding `pid` (found) or the empty slot where it would go.
    @inlinable
    func probe(_ pid: Int32) -> (slot: Int, found: Bool) {
        var slot = home(of: pid)
        while true {
            let key = keys[slot]
            if key == pid { return (slot, true) }
            if key == 0 { return (slot, false) }
            slot = (slot &+ 1) & mask
        }
    }

    @inlinable
    subscript(pid: Int32) -> ProcessIdentity? {
        guard pid > 0 else { return nil }
        let (slot, found) = probe(pid)
        return found ? identity(at: slot) : nil
    }

    @inlinable
    func slot(of pid: Int32) -> Slot? {
        guard pid > 0 else { return nil }
        let (slot, found) = probe(pid)
        return found ? slot : nil
    }

    @inlinable @inline(__always)
    func identity(at slot: Slot) -> ProcessIdentity {
        let stored = values[slot]
        if _slowPath(stored.hasLongName) { return longIdentity(at: slot) }
        return stored.identity(tail: Self.noTail)
    }

    /// A kernel thread's: its name's tail is kept aside.
    @usableFromInline @inline(never)
    func longIdentity(at slot: Slot) -> ProcessIdentity {
        values[slot].identity(tail: longTails[keys[slot]] ?? Self.noTail)
    }

    /// Replaces the identity at `slot`, keeping its executable.
    @inlinable
    mutating func setIdentity(_ identity: ProcessIdentity, at slot: Slot) {
        store(identity, executable: values[slot].executable, at: slot, replacing: values[slot].hasLongName)
    }

    /// Puts `identity` in the occupied `slot`, its long name's tail aside.
    @inlinable
    mutating func store(_ identity: ProcessIdentity, executable: UInt32, at slot: Slot, replacing hadLongName: Bool) {
        values[slot] = Stored(identity, executable: executable)
        if _slowPath(identity.comm.isLong || hadLongName) { storeTail(identity.comm, for: keys[slot]) }
    }

    @usableFromInline @inline(never)
    mutating func storeTail(_ name: ProcessName, for pid: Int32) {
        longTails[pid] = name.isLong ? name.tail : nil
    }

    /// Stores `identity` for `pid`; returns the identity it replaced, or nil
    /// when `pid` is new. A non-positive `pid` is ignored.
    @inlinable
    mutating func updateValue(_ identity: ProcessIdentity, for pid: Int32) -> ProcessIdentity? {
        guard pid > 0 else { return identity }
        let (slot, found) = probe(pid)
        if found {
            let old = self.identity(at: slot)
            store(identity, executable: values[slot].executable, at: slot, replacing: values[slot].hasLongName)
            return old
        }
        occupy(slot, pid, identity)
        return nil
    }

    /// Stores a short-named identity as `stored` for a `pid` not yet known
    /// (a fork's child); returns false, changing nothing, when it is known
    /// (or not positive).
    @inlinable
    mutating func insertNew(stored: Stored, for pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        let (slot, found) = probe(pid)
        if found { return false }
        keys[slot] = pid
        values[slot] = stored
        if !links.isEmpty { links[slot] = Links() }
        count &+= 1
        if count &* 4 > keys.count &* 3 { grow() }
        return true
    }

    /// Stores `identity` for a `pid` not yet known; returns false, changing
    /// nothing, when it is known (or not positive).
    @inlinable
    mutating func insertNew(_ identity: ProcessIdentity, for pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        let (slot, found) = probe(pid)
        if found { return false }
        occupy(slot, pid, identity)
        return true
    }

    @inlinable
    mutating func occupy(_ slot: Int, _ pid: Int32, _ identity: ProcessIdentity) {
        keys[slot] = pid
        store(identity, executable: 0, at: slot, replacing: false)
        if !links.isEmpty { links[slot] = Links() }
        count &+= 1
        // At most three quarters full: probe runs stay short (keys sit 16 to
        // a cache line) at half the memory of a half-full table.
        if count &* 4 > keys.count &* 3 { grow() }
    }

    @usableFromInline
    mutating func grow() {
        var bigger = ProcessTable(capacity: keys.count &* 2)
        if !links.isEmpty { bigger.links = Array(repeating: Links(), count: bigger.keys.count) }
        for slot in keys.indices where keys[slot] != 0 {
            let (free, _) = bigger.probe(keys[slot])
            bigger.keys[free] = keys[slot]
            bigger.values[free] = values[slot]
            if !links.isEmpty { bigger.links[free] = links[slot] }
        }
        bigger.count = count
        bigger.longTails = longTails
        self = bigger
    }

    /// Removes `pid`; returns its identity, or nil when it was unknown.
    @inlinable
    mutating func removeValue(for pid: Int32) -> ProcessIdentity? {
        guard let slot = slot(of: pid) else { return nil }
        let old = identity(at: slot)
        remove(pid, at: slot)
        return old
    }

    /// Removes `pid`, found at `slot`.
    @inlinable
    mutating func remove(_ pid: Int32, at slot: Slot) {
        if _slowPath(values[slot].hasLongName) { longTails[pid] = nil }
        // Backward shift: pull later entries of the run into the hole unless
        // their home lies cyclically in (hole, candidate].
        var hole = slot
        var candidate = slot
        while true {
            candidate = (candidate &+ 1) & mask
            let key = keys[candidate]
            if key == 0 { break }
            let home = home(of: key)
            let stays = hole <= candidate ? (hole < home && home <= candidate) : (hole < home || home <= candidate)
            if !stays {
                keys[hole] = key
                values[hole] = values[candidate]
                if !links.isEmpty { links[hole] = links[candidate] }
                hole = candidate
            }
        }
        keys[hole] = 0
        count &-= 1
    }

    /// Starts or stops keeping lineage (all links unknown when started).
    mutating func keepLinks(_ keep: Bool) {
        links = keep ? Array(repeating: Links(), count: keys.count) : []
    }

    /// Stores a short-named identity for a `pid` not yet known and returns
    /// its slot, or nil, changing nothing, when it is known (or not positive).
    @inlinable
    mutating func insertNewSlot(stored: Stored, for pid: Int32) -> Slot? {
        guard pid > 0 else { return nil }
        var (slot, found) = probe(pid)
        if found { return nil }
        keys[slot] = pid
        values[slot] = stored
        if !links.isEmpty { links[slot] = Links() }
        count &+= 1
        if count &* 4 > keys.count &* 3 {
            grow()
            slot = probe(pid).slot
        }
        return slot
    }

    func forEachPID(_ body: (Int32) -> Void) {
        for key in keys where key != 0 { body(key) }
    }

    /// All known PIDs, ascending (allocates).
    func sortedPIDs() -> [Int32] { keys.filter { $0 != 0 }.sorted() }
}
