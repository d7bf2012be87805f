import UprocRules

/// The live process table and namespace membership.
///
/// A value type: the daemon keeps one in its loop and mutates it there. It
/// holds each known process (thread-group leader) with its identity, and per
/// namespace the ascending PIDs of its members. It stores no per-process list
/// of namespaces: matches are recomputed from the stored identity when a
/// process leaves or changes, through a small memo of the last identities
/// classified (a fork storm classifies the same identity over and over).
///
/// Changes since the last publish are tracked exactly (`ChangeLog`), so a
/// PID that came and went inside one window is no change and any real change
/// is one; `publishChanged` hands the changed namespaces over once each.
///
/// The daemon's use, in its loop:
///
///     var tracker = Tracker(table: table)          // every namespace "changed"
///     tracker.reconcile(with: scan)                // start-up /proc scan
///     // per event (thread-group leaders only):
///     if !tracker.fork(parent: ptgid, child: tgid) { /* read /proc, */ tracker.upsert(tgid, identity) }
///     tracker.upsert(tgid, reread)                 // EXEC, after reading /proc
///     if !tracker.setUIDs(tgid, ruid: r, euid: e) { /* read /proc, upsert */ }
///     tracker.remove(tgid)                         // EXIT
///     // per publish round (the body cannot touch `tracker`: take what it needs first):
///     guard tracker.settleChanges() else { return }   // nothing changed since the last round
///     let table = tracker.table
///     tracker.publishChanged { leader, pids in
///         // write `pids` to the file of each namespace in `leader`'s group (`table`);
///         // return false to keep it changed for a later round (rate limit, a failed write)
///     }
///
/// Namespaces with the same rule share one member list, kept at the
/// group's leader (`DecisionTable.groupLeader`): the tracker reports and
/// publishes leaders, and a publisher writes the group's every name.
///
/// Costs: an event is a few hash probes in the PID table, a memo hit and a
/// sorted insert or remove per group of namespaces the process is in (an
/// append or a removal near the end when PIDs grow); an empty namespace is a
/// 16-byte record without an allocation of its own.
package struct Tracker: Sendable {
    /// The rules processes are sorted by; replace with `replaceTable`.
    package internal(set) var table: DecisionTable
    @usableFromInline var processes: ProcessTable
    @usableFromInline var namespaces: [NamespaceState]
    /// Indices of namespaces touched since the last drain, each once
    /// (`NamespaceState.queued` says whether one is here).
    @usableFromInline var dirty: [Int32] = []
    @usableFromInline var memo = MatchMemo()
    @usableFromInline var changes = ChangeLog()
    /// The table has tree, login or executable rules or dynamic templates:
    /// events take the general paths (`TrackerGeneral.swift`).
    @usableFromInline var general: Bool
    /// The table has trees: the lineage is followed (`ProcessTable.links`).
    @usableFromInline var lineage: Bool
    @usableFromInline var executables = Executables()
    @usableFromInline var sets = TreeSets()
    var ghosts = Ghosts()
    @usableFromInline var dynamic: DynamicNamespaces
    @usableFromInline var nextSerial: UInt32 = 1
    /// Reused buffers of the general paths.
    var nameBuffer: [UInt8] = []
    var valueBuffer: [UInt8] = []
    var scratch: [Int32] = []
    var scratchNew: [Int32] = []

    /// An empty process table over `table`. Every namespace counts as
    /// changed until the first drain, so every file gets written, empty ones
    /// too.
    package init(table: DecisionTable) {
        self.table = table
        self.processes = ProcessTable()
        self.namespaces = Array(repeating: NamespaceState(), count: table.namespaceCount)
        general = table.hasExtensions
        lineage = table.hasTrees
        dynamic = DynamicNamespaces(base: table.namespaceCount, capacity: table.maxNamespaces - table.namespaceCount)
        if lineage { processes.keepLinks(true) }
        processes.keepFacts(Self.keepsFacts(table))
        forceAll()
    }

    /// Number of known processes.
    package var processCount: Int { processes.count }

    /// The identity the tracker holds for `pid`, or nil when it is unknown.
    package func identity(of pid: Int32) -> ProcessIdentity? {
        processes[pid]
    }

    /// The members of `namespace`, ascending. O(1): the array shares the
    /// tracker's storage until either is mutated.
    package func members(of namespace: NamespaceID) -> [Int32] {
        namespaces[Int(table.groupLeader(of: namespace).index)].members
    }

    /// The name of `namespace`: a rule's, or a dynamic template's.
    package func name(of namespace: NamespaceID) -> String {
        Int(namespace.index) < table.namespaceCount ? table.name(of: namespace) : dynamic.name(of: Int(namespace.index))
    }

    /// The live dynamic namespaces, ascending by ID.
    package var dynamicNamespaces: [NamespaceID] {
        (dynamic.base..<dynamic.endID).filter { dynamic.isLive($0) }.map(NamespaceID.init)
    }

    /// The namespace called `name`, a rule's or a live dynamic one's.
    package func id(of name: String) -> NamespaceID? {
        table.id(of: name) ?? dynamic.id(named: Array(name.utf8)).map(NamespaceID.init)
    }

    /// Calls `body` with the members of `namespace`, ascending, without
    /// copying.
    package func withMembers<R, E: Error>(
        of namespace: NamespaceID,
        _ body: (UnsafeBufferPointer<Int32>) throws(E) -> R
    ) throws(E) -> R {
        try namespaces[Int(table.groupLeader(of: namespace).index)].members.withUnsafeBufferPointer(body)
    }

    /// Someone wrote `namespace`'s file with its current members outside a
    /// drain (a repair): when its group has unpublished changes, the group
    /// is reported at the next drain whatever they add up to, since that
    /// file no longer holds what was last published.
    package mutating func rewroteOutsideDrain(_ namespace: NamespaceID) {
        let index = Int(table.groupLeader(of: namespace).index)
        if namespaces[index].flags & NamespaceState.queued != 0 { namespaces[index].flags |= NamespaceState.forced }
    }

    /// The namespaces `pid` sits in, ascending, or nil when it is unknown
    /// (allocates: for diagnostics, not the hot path).
    package func namespaces(of pid: Int32) -> [NamespaceID]? {
        guard let identity = processes[pid] else { return nil }
        guard general else { return table.matches(identity) }
        var result: [NamespaceID] = []
        for index in namespaces.indices where namespaces[index].flags & NamespaceState.retired == 0 {
            let leader = Int(table.groupLeader(of: NamespaceID(index)).index)
            if namespaces[leader].members.sortedContains(pid) { result.append(NamespaceID(index)) }
        }
        return result
    }

    // MARK: Events

    /// The process `pid` now has `identity` (new, or replaced: a scan result,
    /// an exec re-read). Classifies it, touching only the namespaces whose
    /// membership changes.
    package mutating func upsert(_ pid: Int32, _ identity: ProcessIdentity) {
        guard pid > 0 else { return }
        if _slowPath(general) { return upsertGeneral(pid, identity, executable: nil) }
        if let old = processes.updateValue(identity, for: pid) {
            reclassify(pid, from: old, to: identity)
        } else {
            joinAll(pid, identity)
        }
    }

    /// EXEC (or any re-read): `pid` now has `identity` and runs
    /// `executable` (the target of `/proc/PID/exe`; nil keeps what is known).
    package mutating func upsert(_ pid: Int32, _ identity: ProcessIdentity, executable: [UInt8]?) {
        guard pid > 0 else { return }
        if general { upsertGeneral(pid, identity, executable: executable) } else { upsert(pid, identity) }
    }

    /// FORK: the child inherits the parent's identity, no `/proc` read.
    /// Returns false, changing nothing, when the parent is unknown or the
    /// child is already known (a missed exit or a start-up race): the caller
    /// then reads `/proc` for the child and calls `upsert`.
    package mutating func fork(parent: Int32, child: Int32) -> Bool {
        guard let slot = processes.slot(of: parent) else { return false }
        if _slowPath(general) { return forkGeneral(parentSlot: slot, parent: parent, child: child, identity: nil) }
        let stored = processes.values[slot]
        if _slowPath(stored.hasLongName) {
            let identity = processes.identity(at: slot)
            guard processes.insertNew(identity, for: child) else { return false }
            joinAll(child, identity)
            return true
        }
        guard processes.insertNew(stored: stored, for: child) else { return false }
        let entry = memo.classify(stored, in: table) { stored.shortIdentity }
        for slot in memo.entries[entry].indices.indices { join(Int(memo.entries[entry].indices[slot]), child) }
        return true
    }

    /// FORK whose child's identity was read (forked by a non-leader thread,
    /// or stale): it keeps the parent's lineage, trees and executable, and
    /// takes `identity`. Returns false, changing nothing, when the parent
    /// is unknown or the child known (then `upsert` it).
    package mutating func fork(parent: Int32, child: Int32, identity: ProcessIdentity) -> Bool {
        guard let slot = processes.slot(of: parent) else { return false }
        return forkGeneral(parentSlot: slot, parent: parent, child: child, identity: identity)
    }

    /// A UID event: the real and effective UIDs are now these. Returns false
    /// when `pid` is unknown (the caller reads `/proc` and upserts).
    package mutating func setUIDs(_ pid: Int32, ruid: UInt32, euid: UInt32) -> Bool {
        update(pid) { identity in
            identity.ruid = ruid
            identity.euid = euid
        }
    }

    /// A GID event: the real and effective GIDs are now these. Returns false
    /// when `pid` is unknown.
    package mutating func setGIDs(_ pid: Int32, rgid: UInt32, egid: UInt32) -> Bool {
        update(pid) { identity in
            identity.rgid = rgid
            identity.egid = egid
        }
    }

    /// A COMM event (of a thread-group leader). Returns false when `pid` is
    /// unknown.
    package mutating func setComm(_ pid: Int32, _ comm: Comm) -> Bool {
        update(pid) { identity in identity.comm = ProcessName(comm) }
    }

    /// EXIT: `pid` leaves every namespace. An unknown `pid` is a no-op.
    package mutating func remove(_ pid: Int32) {
        guard let slot = processes.slot(of: pid) else { return }
        if _slowPath(general) { return removeGeneral(pid, slot: slot) }
        let stored = processes.values[slot]
        let entry: Int
        if _slowPath(stored.hasLongName) {
            entry = memo.classify(processes.identity(at: slot), in: table)
        } else {
            entry = memo.classify(stored, in: table) { stored.shortIdentity }
        }
        processes.remove(pid, at: slot)
        for slot in memo.entries[entry].indices.indices { leave(Int(memo.entries[entry].indices[slot]), pid) }
    }

    /// After a `/proc` rescan (start-up, or after the kernel dropped
    /// messages): makes the table exactly `snapshot` — removes the missing,
    /// adds the new, updates the changed — and reports the PIDs whose
    /// namespaces that changed (with `reporting`; it costs a classification
    /// per differing PID). Idempotent. A PID listed twice takes its
    /// last identity.
    ///
    /// With `republishAll` (the default) every namespace then counts as
    /// changed once, as after `init`; without it only namespaces whose
    /// members differ from the last publish are reported, which spares
    /// rewriting every file after each dropped-message resync.
    @discardableResult
    package mutating func reconcile<S: Sequence>(
        with snapshot: S,
        republishAll: Bool = true,
        reporting: Bool = false
    ) -> ReconcileReport where S.Element == (Int32, ProcessIdentity) {
        var report = ReconcileReport()
        var seen = Set<Int32>(minimumCapacity: processes.count)
        for (pid, identity) in snapshot {
            seen.insert(pid)
            if !reporting {
                upsert(pid, identity)
            } else if let correction = correct(pid, to: identity) {
                report.corrections.append(correction)
            }
        }
        if seen.count != processes.count {
            var gone: [Int32] = []
            processes.forEachPID { pid in
                if !seen.contains(pid) { gone.append(pid) }
            }
            for pid in gone {
                if !reporting {
                    remove(pid)
                } else if let correction = correct(pid, to: nil) {
                    report.corrections.append(correction)
                }
            }
        }
        if republishAll { forceAll() }
        return report
    }

    /// The PIDs on which the table and `snapshot` disagree: missing on
    /// either side or with another identity. Changes nothing (for an audit
    /// that checks each against `/proc` again before calling it drift).
    package func disagreements<S: Sequence>(with snapshot: S) -> [Int32] where S.Element == (Int32, ProcessIdentity) {
        var result: [Int32] = []
        var seen = 0
        for (pid, identity) in snapshot {
            if let known = processes[pid] {
                seen &+= 1
                if known != identity { result.append(pid) }
            } else {
                result.append(pid)
            }
        }
        if seen != processes.count {
            var listed = Set<Int32>(minimumCapacity: processes.count)
            for (pid, _) in snapshot { listed.insert(pid) }
            processes.forEachPID { pid in
                if !listed.contains(pid) { result.append(pid) }
            }
        }
        return result
    }

    /// New rules (hot reload): reclassifies every process and reports the
    /// namespaces by name. Namespace IDs of the old table are void after this.
    ///
    /// With `republishAll` (the default) every namespace then counts as
    /// changed once; without it added namespaces count as changed (their
    /// files must be created, empty ones too) and kept ones only when their
    /// members differ from what was last published under the old table.
    package mutating func replaceTable(_ newTable: DecisionTable, republishAll: Bool = true) -> TableChange {
        if general || newTable.hasExtensions { return replaceTableGeneral(newTable, republishAll: republishAll) }
        // What each old namespace last published differs from its members
        // by exactly its entries in the change log, sorted and reduced
        // (`settle` alone reduces it only when some namespace needs it).
        settle()
        _ = changes.settle()
        var unpublished: [Int: [Int32]] = [:]
        for key in changes.entries {
            unpublished[ChangeLog.namespace(of: key), default: []].append(Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: key)))
        }
        changes.removeAll()
        let oldTable = table
        var fresh = Array(repeating: NamespaceState(), count: newTable.namespaceCount)
        table = newTable
        let pendingRemovals = dynamic.takeRemovedNames()
        dynamic = DynamicNamespaces(base: newTable.namespaceCount, capacity: newTable.maxNamespaces - newTable.namespaceCount)
        dynamic.inheritRemovals(pendingRemovals.filter { newTable.id(of: $0) == nil })
        memo = MatchMemo()
        // Ascending PIDs make every insert an append.
        for pid in processes.sortedPIDs() {
            let identity = processes[pid]!
            let entry = memo.classify(identity, in: newTable)
            for index in memo.entries[entry].indices { fresh[Int(index)].members.append(pid) }
        }

        // Per new namespace: its old group's leader, or -1 when it is new.
        var origin = [Int32](repeating: -1, count: newTable.namespaceCount)
        let change = newTable.namespaceChanges(from: oldTable) { newIndex, oldID in
            if let oldID { origin[newIndex] = oldTable.groupLeader(of: oldID).index }
        }
        var carried: [(Int, [Int32])] = []
        for newIndex in fresh.indices where newTable.isGroupLeader(NamespaceID(newIndex)) {
            // A group's files were last written together: its state carries
            // over when all its names come from one old group.
            let oldLeader = Int(origin[newIndex])
            var oneOrigin = oldLeader >= 0
            if oneOrigin && newTable.hasGroups {
                newTable.forEachNamespace(inGroupOf: NamespaceID(newIndex)) { if origin[Int($0.index)] != oldLeader { oneOrigin = false } }
            }
            guard oneOrigin, namespaces[oldLeader].flags & NamespaceState.forced == 0 else {
                fresh[newIndex].flags = NamespaceState.forced
                continue
            }
            // Carry the publication state over exactly: the new members
            // differ from the published ones by this symmetric difference.
            let old = namespaces[oldLeader]
            let published = Self.symmetricDifference(old.members, unpublished[oldLeader] ?? [])
            let difference = Self.symmetricDifference(fresh[newIndex].members, published)
            fresh[newIndex].publishedCount = Int32(truncatingIfNeeded: published.count)
            if !difference.isEmpty { carried.append((newIndex, difference)) }
        }
        for (index, pids) in carried {
            if changes.entries.count &+ pids.count > ChangeLog.limit {
                fresh[index].flags = NamespaceState.forced
            } else {
                for pid in pids { changes.append(index, pid) }
                fresh[index].flags = NamespaceState.differs
            }
        }
        _ = changes.settle()

        namespaces = fresh
        dirty.removeAll(keepingCapacity: true)
        if republishAll {
            forceAll()
        } else {
            for index in namespaces.indices where namespaces[index].isChanged {
                namespaces[index].flags |= NamespaceState.queued
                dirty.append(Int32(truncatingIfNeeded: index))
            }
        }
        return change
    }

    // MARK: Publishing

    /// Whether any namespace's members differ from the last drain (or one is
    /// forced: start-up, resync, new rules). Settles the change log in place.
    package mutating func settleChanges() -> Bool {
        settle()
        return dirty.contains { namespaces[Int($0)].isChanged }
    }

    /// Calls `body` once for each namespace whose members changed since the
    /// last drain — a group's leader for the whole group — with its members
    /// ascending; `body` returns true when it
    /// published them (the change is then forgotten) or false to keep the
    /// namespace changed for a later drain (the daemon holds back a file
    /// written less than `--min-interval` ago, or one whose write failed).
    /// A PID that joined and left inside one window is no change. Namespaces
    /// come in the order they were first touched.
    package mutating func publishChanged(_ body: (NamespaceID, UnsafeBufferPointer<Int32>) -> Bool) {
        settle()
        var kept = 0
        for position in dirty.indices {
            let index = Int(dirty[position])
            // A removed dynamic namespace: nothing to write.
            if namespaces[index].flags & NamespaceState.retired != 0 { continue }
            guard namespaces[index].isChanged else {
                namespaces[index].markPublished()
                continue
            }
            if _slowPath(index >= dynamic.base) { dynamic.markOffered(index) }
            if namespaces[index].members.withUnsafeBufferPointer({ body(NamespaceID(index), $0) }) {
                namespaces[index].markPublished()
            } else {
                dirty[kept] = dirty[position]
                kept &+= 1
            }
        }
        dirty.removeLast(dirty.count - kept)
        // A start-up or reload queues every namespace: do not keep room for
        // 100,000 of them for ever.
        if dirty.isEmpty && dirty.capacity > 4096 { dirty = [] }
        // What is left describes the namespaces held back.
        let namespaces = self.namespaces
        changes.retain { namespaces[$0].flags & NamespaceState.queued != 0 }
        // No ID removed before this drain is still listed: they may be reused.
        dynamic.releaseRetired()
    }

    // MARK: Internals

    /// The PIDs in exactly one of two ascending arrays, ascending.
    static func symmetricDifference(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        var result: [Int32] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                result.append(a[i])
                i &+= 1
            } else if i == a.count || b[j] < a[i] {
                result.append(b[j])
                j &+= 1
            } else {
                i &+= 1
                j &+= 1
            }
        }
        return result
    }

    /// Marks the changed namespaces: a member count that moved proves a
    /// change; only when some namespace's count did not is the change log
    /// sorted to decide exactly (a PID that came and went, or one that
    /// replaced another).
    mutating func settle() {
        var suspects = false
        for index in dirty {
            let i = Int(index)
            if namespaces[i].flags & (NamespaceState.forced | NamespaceState.retired) != 0 { continue }
            if namespaces[i].surelyChanged {
                namespaces[i].flags |= NamespaceState.differs
            } else {
                namespaces[i].flags &= ~NamespaceState.differs
                suspects = true
            }
        }
        guard suspects else { return }
        _ = changes.settle()
        for key in changes.entries { namespaces[ChangeLog.namespace(of: key)].flags |= NamespaceState.differs }
    }

    /// The change log is full: every namespace touched so far counts as
    /// changed, and the log starts over.
    @usableFromInline
    mutating func forceTouched() {
        for index in dirty { namespaces[Int(index)].flags |= NamespaceState.forced }
        changes.removeAll()
    }

    /// Every namespace counts as changed until the next drain.
    mutating func forceAll() {
        changes.removeAll()
        dirty.removeAll(keepingCapacity: true)
        dirty.reserveCapacity(namespaces.count)
        for index in namespaces.indices where table.isGroupLeader(NamespaceID(index)) {
            if namespaces[index].flags & NamespaceState.retired != 0 { continue }
            namespaces[index].flags = NamespaceState.queued | NamespaceState.forced
            dirty.append(Int32(truncatingIfNeeded: index))
        }
    }

    /// Applies `change` to a known process's identity and reclassifies it.
    @inlinable
    mutating func update(_ pid: Int32, _ change: (inout ProcessIdentity) -> Void) -> Bool {
        guard let slot = processes.slot(of: pid) else { return false }
        let old = processes.identity(at: slot)
        var new = old
        change(&new)
        if new != old {
            if _slowPath(general) {
                upsertGeneral(pid, new, executable: nil)
                return true
            }
            processes.setIdentity(new, at: slot)
            reclassify(pid, from: old, to: new)
        }
        return true
    }

    /// A new process joins every namespace `identity` matches.
    @inlinable
    mutating func joinAll(_ pid: Int32, _ identity: ProcessIdentity) {
        let entry = memo.classify(identity, in: table)
        for slot in memo.entries[entry].indices.indices { join(Int(memo.entries[entry].indices[slot]), pid) }
    }

    /// Moves `pid` out of the namespaces only `old` matches and into those
    /// only `new` matches.
    @usableFromInline
    mutating func reclassify(_ pid: Int32, from old: ProcessIdentity, to new: ProcessIdentity) {
        var differing: RuleKeys = []
        if old.euid != new.euid { differing.insert(.uid) }
        if old.egid != new.egid { differing.insert(.gid) }
        if old.ruid != new.ruid { differing.insert(.ruid) }
        if old.rgid != new.rgid { differing.insert(.rgid) }
        if old.comm != new.comm { differing.insert(.cmd) }
        // No rule looks at what changed: no namespace can change.
        if differing.isDisjoint(with: table.usedKeys) { return }

        let table = self.table
        if let entry = memo.lookup(ProcessTable.Stored(old)) {
            for slot in memo.entries[entry].indices.indices {
                let index = Int(memo.entries[entry].indices[slot])
                if !Self.rule(index, of: table, holdsFor: new) { leave(index, pid) }
            }
        } else {
            // Not memoized: walk the table directly rather than evict an
            // identity that other processes still have.
            table.forEachMatchingGroup(old) { namespace in
                let index = Int(namespace.index)
                if !Self.rule(index, of: table, holdsFor: new) { leave(index, pid) }
            }
        }
        let entry = memo.classify(new, in: table)
        for slot in memo.entries[entry].indices.indices {
            let index = Int(memo.entries[entry].indices[slot])
            if !Self.rule(index, of: table, holdsFor: old) { join(index, pid) }
        }
    }

    @inlinable
    static func rule(_ index: Int, of table: DecisionTable, holdsFor identity: ProcessIdentity) -> Bool {
        table.rule(NamespaceID(index), holdsFor: identity)
    }

    @inlinable
    mutating func join(_ index: Int, _ pid: Int32) {
        if namespaces[index].members.insertSorted(pid) { touch(index, pid) }
    }

    @inlinable
    mutating func leave(_ index: Int, _ pid: Int32) {
        if namespaces[index].members.removeSorted(pid) {
            touch(index, pid)
            if _slowPath(index >= dynamic.base) && namespaces[index].members.isEmpty { retire(index) }
        }
    }

    /// Records that `pid` joined or left namespace `index`.
    @inlinable
    mutating func touch(_ index: Int, _ pid: Int32) {
        if namespaces[index].flags & NamespaceState.queued == 0 {
            namespaces[index].flags |= NamespaceState.queued
            dirty.append(Int32(truncatingIfNeeded: index))
        }
        // A forced namespace is reported anyway: nothing to log.
        guard namespaces[index].flags & NamespaceState.forced == 0 else { return }
        if changes.isFull {
            forceTouched()
        } else {
            changes.append(index, pid)
        }
    }
}
