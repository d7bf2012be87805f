import UprocRules

/// PID → identity for the known processes: open addressing with linear
/// probing over a power-of-two table, Fibonacci hashing of the PID (PIDs are
/// dense and mostly sequential; a multiply spreads them) and backward-shift
/// deletion, so exits leave no tombstones. Keys and identities live in
/// separate arrays so a probe walks 16 keys per cache line. Swift's
/// `Dictionary` costs a SipHash per look-up, which was a third of the fork
/// path.
///
/// A slot holds 32 bytes: the IDs and the first two words of the name (all
/// of a process's `comm`). The rest of a longer name, which only kernel
/// threads have, is kept aside by PID (`longTails`), so that 10,000 slots
/// do not carry 48 bytes each for a few dozen kernel threads. While rules
/// read login UIDs or executables, each slot also has those (`facts`, 8
/// bytes); while they have trees, a slot is one 64-byte `Wide` record of
/// identity, lineage and facts. A plain table's slots stay 32 bytes, two
/// to a cache line.
///
/// Key 0 marks an empty slot: PIDs are positive, and the tracker ignores
/// any other.
@usableFromInline
struct ProcessTable: Sendable {
    @usableFromInline typealias Slot = Int

    /// An identity in 32 bytes: its name's bytes after the 15th, if any,
    /// are in `longTails`; its login UID in `facts`.
    @usableFromInline
    struct Stored: Equatable, Sendable {
        @usableFromInline var ruid: UInt32
        @usableFromInline var euid: UInt32
        @usableFromInline var rgid: UInt32
        @usableFromInline var egid: UInt32
        @usableFromInline var nameLow: UInt64
        @usableFromInline var nameHigh: UInt64

        @inlinable
        init(_ identity: ProcessIdentity) {
            ruid = identity.ruid
            euid = identity.euid
            rgid = identity.rgid
            egid = identity.egid
            nameLow = identity.comm.low
            nameHigh = identity.comm.high
        }

        @inlinable
        func identity(tail: ProcessName.Tail) -> ProcessIdentity {
            ProcessIdentity(ruid: ruid, euid: euid, rgid: rgid, egid: egid,
                            comm: ProcessName(low: nameLow, high: nameHigh, tail: tail))
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
        }

        /// What no identity is stored as (a name's length is at most 63).
        @inlinable
        static var unused: Stored { Stored(ruid: 0, euid: 0, rgid: 0, egid: 0, nameLow: 0, nameHigh: .max) }

        @inlinable
        static func == (a: Stored, b: Stored) -> Bool {
            a.euid == b.euid && a.nameHigh == b.nameHigh && a.nameLow == b.nameLow && a.egid == b.egid
                && a.ruid == b.ruid && a.rgid == b.rgid
        }
    }

    /// What the rules beyond plain ones also ask of a process: its login
    /// UID and its executable (an ID of the tracker's `Executables`, 0:
    /// unknown). 8 bytes.
    @usableFromInline
    struct Facts: Equatable, Sendable {
        @usableFromInline var loginuid: UInt32
        @usableFromInline var executable: UInt32

        @inlinable
        init(loginuid: UInt32 = ProcessIdentity.unsetLoginUID, executable: UInt32 = 0) {
            self.loginuid = loginuid
            self.executable = executable
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

    /// A slot while lineage is followed: identity, lineage and facts in
    /// one 64-byte record, so that a fork reads its parent's and writes its
    /// child's in one cache line each, as a plain table's fork does.
    @usableFromInline
    struct Wide: Sendable {
        @usableFromInline var stored: Stored
        @usableFromInline var links: Links
        @usableFromInline var facts: Facts

        @inlinable
        init(stored: Stored, links: Links = Links(), facts: Facts = Facts()) {
            self.stored = stored
            self.links = links
            self.facts = facts
        }
    }

    @usableFromInline var keys: [Int32]
    /// Per slot, unless lineage is followed (`wide` then).
    @usableFromInline var values: [Stored]
    /// Per slot while lineage is followed; empty otherwise.
    @usableFromInline var wide: [Wide] = []
    /// Per slot while login UIDs and executables are kept and lineage is
    /// not followed (`wide` holds them then); empty otherwise.
    @usableFromInline var facts: [Facts] = []
    /// Login UIDs and executables are kept (else they read as unknown).
    @usableFromInline var factsKept = false
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

    /// An empty table of `size` slots (a power of two) in the layout of `layout`.
    @usableFromInline
    init(slots size: Int, like layout: ProcessTable) {
        keys = Array(repeating: 0, count: size)
        if layout.wide.isEmpty {
            values = Array(repeating: Self.empty, count: size)
            if !layout.facts.isEmpty { facts = Array(repeating: Facts(), count: size) }
        } else {
            values = []
            wide = Array(repeating: Wide(stored: Self.empty), count: size)
        }
        factsKept = layout.factsKept
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

    /// The identity stored at `slot` (32 bytes; its login UID is in `facts`).
    @inlinable @inline(__always)
    func stored(at slot: Slot) -> Stored {
        wide.isEmpty ? values[slot] : wide[slot].stored
    }

    @inlinable @inline(__always)
    func identity(at slot: Slot) -> ProcessIdentity {
        if _slowPath(!wide.isEmpty || factsKept) { return fullIdentity(at: slot) }
        let stored = values[slot]
        if _slowPath(stored.hasLongName) { return fullIdentity(at: slot) }
        return stored.identity(tail: Self.noTail)
    }

    /// A kernel thread's (its name's tail is kept aside), or one with facts.
    @usableFromInline @inline(never)
    func fullIdentity(at slot: Slot) -> ProcessIdentity {
        let stored = stored(at: slot)
        var identity = stored.identity(tail: stored.hasLongName ? longTails[keys[slot]] ?? Self.noTail : Self.noTail)
        if factsKept { identity.loginuid = facts(at: slot).loginuid }
        return identity
    }

    @inlinable
    mutating func setIdentity(_ identity: ProcessIdentity, at slot: Slot) {
        store(identity, at: slot, replacing: stored(at: slot).hasLongName)
    }

    /// Puts `identity` in the occupied `slot`, its long name's tail aside,
    /// its login UID in the facts (when kept; the executable stays).
    @inlinable
    mutating func store(_ identity: ProcessIdentity, at slot: Slot, replacing hadLongName: Bool) {
        if _slowPath(!wide.isEmpty) {
            wide[slot].stored = Stored(identity)
            if factsKept { wide[slot].facts.loginuid = identity.loginuid }
        } else {
            values[slot] = Stored(identity)
            if _slowPath(factsKept) { facts[slot].loginuid = identity.loginuid }
        }
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
            store(identity, at: slot, replacing: stored(at: slot).hasLongName)
            return old
        }
        occupy(slot, pid, identity)
        return nil
    }

    /// Stores a short-named identity as `stored` for a `pid` not yet known
    /// (a fork's child); returns false, changing nothing, when it is known
    /// (or not positive). A plain table's path: no lineage, no facts.
    @inlinable
    mutating func insertNew(stored: Stored, for pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        let (slot, found) = probe(pid)
        if found { return false }
        keys[slot] = pid
        if _slowPath(!wide.isEmpty) {
            wide[slot] = Wide(stored: stored)
        } else {
            values[slot] = stored
            if _slowPath(!facts.isEmpty) { facts[slot] = Facts() }
        }
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
        if _slowPath(!wide.isEmpty) {
            wide[slot] = Wide(stored: Stored(identity))
        } else if _slowPath(!facts.isEmpty) {
            facts[slot] = Facts()
        }
        store(identity, at: slot, replacing: false)
        count &+= 1
        // At most three quarters full: probe runs stay short (keys sit 16 to
        // a cache line) at half the memory of a half-full table.
        if count &* 4 > keys.count &* 3 { grow() }
    }

    @usableFromInline
    mutating func grow() {
        var bigger = ProcessTable(slots: keys.count &* 2, like: self)
        for slot in keys.indices where keys[slot] != 0 {
            let (free, _) = bigger.probe(keys[slot])
            bigger.keys[free] = keys[slot]
            if wide.isEmpty {
                bigger.values[free] = values[slot]
                if !facts.isEmpty { bigger.facts[free] = facts[slot] }
            } else {
                bigger.wide[free] = wide[slot]
            }
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
        if _slowPath(stored(at: slot).hasLongName) { longTails[pid] = nil }
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
                if _slowPath(!wide.isEmpty) {
                    wide[hole] = wide[candidate]
                } else {
                    values[hole] = values[candidate]
                    if _slowPath(!facts.isEmpty) { facts[hole] = facts[candidate] }
                }
                hole = candidate
            }
        }
        keys[hole] = 0
        count &-= 1
    }

    /// Starts or stops following lineage (all links unknown when started):
    /// the slots change layout.
    mutating func keepLinks(_ keep: Bool) {
        guard keep == wide.isEmpty else { return }
        if keep {
            wide = keys.indices.map { Wide(stored: values[$0], facts: facts.isEmpty ? Facts() : facts[$0]) }
            values = []
            facts = []
        } else {
            values = wide.map(\.stored)
            facts = factsKept ? wide.map(\.facts) : []
            wide = []
        }
    }

    /// Whether lineage is followed.
    @inlinable var hasLinks: Bool { !wide.isEmpty }

    /// The login UID and executable at `slot` (unknown when not kept).
    @inlinable @inline(__always)
    func facts(at slot: Slot) -> Facts {
        guard factsKept else { return Facts() }
        return wide.isEmpty ? facts[slot] : wide[slot].facts
    }

    /// Sets them, when kept.
    @inlinable @inline(__always)
    mutating func setFacts(_ value: Facts, at slot: Slot) {
        guard factsKept else { return }
        if wide.isEmpty { facts[slot] = value } else { wide[slot].facts = value }
    }

    /// Starts or stops keeping login UIDs and executables (unknown when started).
    mutating func keepFacts(_ keep: Bool) {
        guard keep != factsKept else { return }
        factsKept = keep
        if wide.isEmpty {
            facts = keep ? Array(repeating: Facts(), count: keys.count) : []
        } else {
            for slot in wide.indices { wide[slot].facts = Facts() }
        }
    }

    /// Stores a short-named identity for a `pid` not yet known and returns
    /// its slot, or nil, changing nothing, when it is known (or not
    /// positive). The caller sets its links and facts, when kept.
    @inlinable
    mutating func insertNewSlot(stored: Stored, for pid: Int32) -> Slot? {
        guard pid > 0 else { return nil }
        var (slot, found) = probe(pid)
        if found { return nil }
        keys[slot] = pid
        if wide.isEmpty { values[slot] = stored } else { wide[slot].stored = stored }
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
