import UprocRules

/// The event paths for tables with more than plain rules: trees (sticky
/// membership inherited at fork), login and executable rules, dynamic
/// templates (namespaces made with their first member, removed with their
/// last). Plain tables never come here, so their paths stay as they were.
///
/// A fork is still a look-up of the parent and a copy: of its identity,
/// its executable's ID, its tree set's ID (with counts bumped), and a join
/// of the namespaces its memo entry and tree set list. Only a process that
/// starts to match a tree it was not in walks the table, once, for its
/// descendants.
extension Tracker {
    /// What making a dynamic namespace came to.
    enum Made {
        case made(Int32)
        /// A rule has that name: it wins.
        case taken
        /// `--max-namespaces` is reached.
        case capped
    }

    // MARK: Classification

    /// The memo entry of the process stored as `key` with `identity`: its
    /// non-tree namespaces (group leaders, then dynamic ones) and the trees
    /// it is a root of. With `making`, a dynamic namespace that does not
    /// exist is made (the caller then joins it); without (an exit, a look
    /// back at an old identity) none is, and the entry says it is pending.
    mutating func generalEntry(
        _ key: ProcessTable.Stored, _ facts: ProcessTable.Facts, _ identity: ProcessIdentity, making: Bool
    ) -> Int {
        generalEntry(key, facts, { identity }, making: making)
    }

    /// `generalEntry` with the identity built only on a miss.
    mutating func generalEntry(
        _ key: ProcessTable.Stored, _ facts: ProcessTable.Facts, _ makeIdentity: () -> ProcessIdentity, making: Bool
    ) -> Int {
        if let slot = memo.lookup(key, facts: facts), !(making && memo.entries[slot].pending) { return slot }
        let (slot, previous) = memo.take(key)
        memo.entries[slot].facts = facts
        sets.release(previous)
        defer { setRoots(slot) }
        var identity = makeIdentity()
        identity.loginuid = facts.loginuid
        let table = self.table
        let executable = executables.matches[Int(facts.executable)]
        table.forEachMatchingGroup(identity, executable: executable) { id in
            if table.isTree(id) {
                memo.entries[slot].roots.append(id.index)
            } else {
                memo.entries[slot].indices.append(id.index)
            }
        }
        let templates = table.templates
        guard !templates.isEmpty else { return slot }
        let path = executables.path(facts.executable)
        for template in templates.indices {
            guard table.templateName(template, for: identity, executable: executable, path: path, into: &nameBuffer,
                                     scratch: &valueBuffer) else {
                continue
            }
            var id = dynamic.id(named: nameBuffer)
            if id == nil {
                guard making else {
                    memo.entries[slot].pending = true
                    continue
                }
                switch makeDynamic(template, reader: table.templates[template].selectedUser(for: identity)) {
                case .made(let made): id = made
                case .taken: continue
                case .capped:
                    memo.entries[slot].pending = true
                    continue
                }
            }
            memo.entries[slot].dynamic = true
            if templates[template].isTree {
                memo.entries[slot].roots.append(id!)
            } else {
                memo.entries[slot].indices.append(id!)
            }
        }
        return slot
    }

    /// The entry's roots as an interned set, held by the entry.
    private mutating func setRoots(_ slot: Int) {
        guard lineage, !memo.entries[slot].roots.isEmpty else { return }
        let roots = Array(Set(memo.entries[slot].roots)).sorted()
        let set = sets.id(of: roots)
        sets.retain(set)
        memo.entries[slot].rootSet = set
    }

    /// Makes the dynamic namespace named `nameBuffer` for `template`.
    private mutating func makeDynamic(_ template: Int, reader: UInt32?) -> Made {
        // A rule's namespace of that name wins over the template.
        if table.id(of: String(decoding: nameBuffer, as: UTF8.self)) != nil { return .taken }
        guard let id = dynamic.make(nameBuffer, template: template, reader: reader) else { return .capped }
        let index = Int(id)
        if index == namespaces.count {
            namespaces.append(NamespaceState())
        } else {
            namespaces[index] = NamespaceState()
        }
        // A new file: written at the next drain, whatever it then holds.
        namespaces[index].flags = NamespaceState.queued | NamespaceState.forced
        dirty.append(id)
        return .made(id)
    }

    /// One process less runs executable `id`.
    mutating func releaseExecutable(_ id: UInt32) {
        if executables.release(id) { memo.forget(executable: id) }
    }

    /// A dynamic namespace's last member left: it goes (its file, if one
    /// was offered, is to be removed; see `takeRemovedNamespaces`).
    @usableFromInline
    mutating func retire(_ index: Int) {
        dynamic.remove(index)
        namespaces[index].flags = NamespaceState.retired
        namespaces[index].publishedCount = 0
        memo.forget(dynamic: Int32(index))
    }

    // MARK: Events

    /// A new process (`inherited`: its parent's tree set, not retained)
    /// joins every namespace its identity matches and its trees; with
    /// `links`, its lineage is written with its tree set (one store).
    @inline(__always)
    mutating func joinGeneral(_ pid: Int32, slot: ProcessTable.Slot, _ key: ProcessTable.Stored, _ facts: ProcessTable.Facts,
                              _ identity: () -> ProcessIdentity, inherited: UInt32, links: ProcessTable.Links? = nil) {
        var entry: Int
        if let hit = memo.lookup(key, facts: facts), !memo.entries[hit].pending {
            entry = hit
        } else {
            entry = generalEntry(key, facts, identity, making: true)
        }
        for position in memo.entries[entry].indices.indices { join(Int(memo.entries[entry].indices[position]), pid) }
        guard lineage else { return }
        let trees = sets.union(inherited, memo.entries[entry].rootSet)
        sets.retain(trees)
        if var links {
            links.trees = trees
            processes.wide[slot].links = links
        } else {
            processes.wide[slot].links.trees = trees
        }
        if _slowPath(trees != 0) {
            for namespace in sets.members[Int(trees)] { join(Int(namespace), pid) }
        }
    }

    /// FORK on the general path: the child gets the parent's lineage,
    /// trees, login UID (unless `identity` says another) and executable,
    /// and `identity` (nil: the parent's).
    @usableFromInline
    mutating func forkGeneral(parentSlot: ProcessTable.Slot, parent: Int32, child: Int32, identity: ProcessIdentity?) -> Bool {
        let parentStored = processes.stored(at: parentSlot)
        var facts = processes.facts(at: parentSlot)
        var links: ProcessTable.Links?
        var inherited: UInt32 = 0
        if lineage {
            let parentLinks = processes.wide[parentSlot].links
            // Set before the child is inserted (that may move slots); a
            // failed fork leaves a harmless flag.
            if !parentLinks.forked { processes.wide[parentSlot].links.forked = true }
            var childLinks = ProcessTable.Links()
            childLinks.parent = parent
            childLinks.parentSerial = parentLinks.serial
            links = childLinks
            inherited = parentLinks.trees
        }
        if _slowPath(identity != nil || parentStored.hasLongName) {
            let childIdentity = identity ?? processes.identity(at: parentSlot)
            if processes.factsKept { facts.loginuid = childIdentity.loginuid }
            let key = ProcessTable.Stored(childIdentity)
            guard let slot = processes.insertNewSlot(stored: key, for: child) else { return false }
            if childIdentity.comm.isLong { processes.storeTail(childIdentity.comm, for: child) }
            processes.setFacts(facts, at: slot)
            executables.retain(facts.executable)
            links?.serial = newSerial()
            joinGeneral(child, slot: slot, key, facts, { childIdentity }, inherited: inherited, links: links)
            return true
        }
        guard let slot = processes.insertNewSlot(stored: parentStored, for: child) else { return false }
        processes.setFacts(facts, at: slot)
        if facts.executable != 0 { executables.retain(facts.executable) }
        links?.serial = newSerial()
        joinGeneral(child, slot: slot, parentStored, facts, { parentStored.shortIdentity }, inherited: inherited, links: links)
        return true
    }

    /// A re-read (EXEC, a check) or a new process seen without its fork.
    @usableFromInline
    mutating func upsertGeneral(_ pid: Int32, _ identity: ProcessIdentity, executable path: [UInt8]?) {
        let readsExecutables = table.usedKeys.contains(.exe)
        guard let slot = processes.slot(of: pid) else {
            guard processes.insertNew(identity, for: pid), let slot = processes.slot(of: pid) else { return }
            let executable = path.flatMap { readsExecutables ? executables.intern($0, table: table) : nil } ?? 0
            processes.setFacts(ProcessTable.Facts(loginuid: identity.loginuid, executable: executable), at: slot)
            // Facts not kept are unknown: the memo keys them so.
            if lineage { processes.wide[slot].links.serial = newSerial() }
            joinGeneral(pid, slot: slot, processes.stored(at: slot), processes.facts(at: slot), { identity }, inherited: 0)
            return
        }
        let oldKey = processes.stored(at: slot)
        let oldFacts = processes.facts(at: slot)
        let old = processes.identity(at: slot)
        var facts = !processes.factsKept ? ProcessTable.Facts()
            : ProcessTable.Facts(loginuid: identity.loginuid, executable: oldFacts.executable)
        // A path read now replaces the one held (interning retains it once);
        // one the rules do not ask for leaves it unknown.
        let interned = path != nil && readsExecutables
        if let path, interned { facts.executable = executables.intern(path, table: table) }
        if path != nil && !readsExecutables { facts.executable = 0 }
        if old == identity && facts == oldFacts {
            if interned { releaseExecutable(facts.executable) }
            return
        }
        processes.store(identity, at: slot, replacing: oldKey.hasLongName)
        processes.setFacts(facts, at: slot)
        reclassifyGeneral(pid, slot: slot, oldKey: oldKey, oldFacts: oldFacts, old: old, newKey: processes.stored(at: slot),
                          newFacts: facts, new: identity)
        if facts.executable != oldFacts.executable || interned { releaseExecutable(oldFacts.executable) }
    }

    /// Moves `pid` out of the non-tree namespaces only the old facts match
    /// and into those only the new match; trees whose roots it now matches
    /// it joins with its descendants (it never leaves a tree but by exiting).
    mutating func reclassifyGeneral(
        _ pid: Int32, slot: ProcessTable.Slot, oldKey: ProcessTable.Stored, oldFacts: ProcessTable.Facts, old: ProcessIdentity,
        newKey: ProcessTable.Stored, newFacts: ProcessTable.Facts, new: ProcessIdentity
    ) {
        let oldEntry = generalEntry(oldKey, oldFacts, old, making: false)
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: memo.entries[oldEntry].indices)
        let newEntry = generalEntry(newKey, newFacts, new, making: true)
        scratchNew.removeAll(keepingCapacity: true)
        scratchNew.append(contentsOf: memo.entries[newEntry].indices)
        let firstRoot = scratchNew.count
        scratchNew.append(contentsOf: memo.entries[newEntry].roots)
        for index in scratch where !scratchNew[..<firstRoot].contains(index) { leave(Int(index), pid) }
        for index in scratchNew[..<firstRoot] where !scratch.contains(index) { join(Int(index), pid) }
        guard lineage else { return }
        for position in firstRoot..<scratchNew.count {
            let root = scratchNew[position]
            if !sets.contains(processes.wide[slot].links.trees, root) { addTree(root, at: slot) }
        }
    }

    /// EXIT on the general path: leaves its namespaces and trees; with
    /// children it stays in the lineage as a ghost.
    @usableFromInline
    mutating func removeGeneral(_ pid: Int32, slot: ProcessTable.Slot) {
        let stored = processes.stored(at: slot)
        let facts = processes.facts(at: slot)
        let entry: Int
        if let hit = memo.lookup(stored, facts: facts) {
            entry = hit
        } else {
            let long: ProcessIdentity? = _slowPath(stored.hasLongName) ? processes.identity(at: slot) : nil
            entry = generalEntry(stored, facts, { long ?? stored.shortIdentity }, making: false)
        }
        for position in memo.entries[entry].indices.indices { leave(Int(memo.entries[entry].indices[position]), pid) }
        if lineage {
            let links = processes.wide[slot].links
            if links.trees != 0 {
                for namespace in sets.members[Int(links.trees)] { leave(Int(namespace), pid) }
                sets.release(links.trees)
            }
            detach(pid, links) { Comm(ProcessName(low: stored.nameLow, high: stored.nameHigh, tail: ProcessTable.noTail).bytes.prefix(Comm.maxLength)) }
        }
        if facts.executable != 0 { releaseExecutable(facts.executable) }
        processes.remove(pid, at: slot)
    }

    /// The process at `slot` becomes a root of tree `namespace`: it joins,
    /// and so does every live descendant not yet in it (one walk of the
    /// table, only when it has children).
    mutating func addTree(_ namespace: Int32, at slot: ProcessTable.Slot) {
        let pid = processes.keys[slot]
        let links = processes.wide[slot].links
        joinTree(namespace, at: slot)
        guard links.forked else { return }
        var verdicts: [UInt32: Bool] = [:]
        for other in processes.keys.indices where processes.keys[other] != 0 && other != slot {
            if sets.contains(processes.wide[other].links.trees, namespace) { continue }
            if descends(other, from: pid, links.serial, verdicts: &verdicts) { joinTree(namespace, at: other) }
        }
    }

    /// The process at `slot` is in tree `namespace` from now on.
    mutating func joinTree(_ namespace: Int32, at slot: ProcessTable.Slot) {
        let old = processes.wide[slot].links.trees
        let new = sets.adding(namespace, to: old)
        guard new != old else { return }
        sets.retain(new)
        sets.release(old)
        processes.wide[slot].links.trees = new
        join(Int(namespace), processes.keys[slot])
    }

    // MARK: Lineage from /proc

    /// Links processes whose parent is not known to the parent `/proc`
    /// gives (`parents`: PID → its parent's PID), parents first, and makes
    /// each inherit its parent's trees. For start-up, after lost events,
    /// and when a reload brings the first tree rule. A process reparented
    /// to init or a subreaper before this is linked there: its own lineage
    /// is lost (see `LineageFile` for what survives a restart).
    package mutating func adoptParents(_ parents: (Int32) -> Int32?) {
        guard lineage else { return }
        var pending: [Int32] = []
        processes.forEachPID { pid in
            if let slot = processes.slot(of: pid), processes.wide[slot].links.parent == 0 { pending.append(pid) }
        }
        var done = Set<Int32>()
        func adopt(_ pid: Int32, depth: Int) {
            guard done.insert(pid).inserted, depth < 4096, let slot = processes.slot(of: pid),
                  processes.wide[slot].links.parent == 0, let parent = parents(pid), parent != pid,
                  processes.slot(of: parent) != nil else { return }
            // The parent first, so that what it inherits passes on.
            if let parentSlot = processes.slot(of: parent), processes.wide[parentSlot].links.parent == 0 { adopt(parent, depth: depth + 1) }
            guard let parentSlot = processes.slot(of: parent), let slot = processes.slot(of: pid) else { return }
            processes.wide[slot].links.parent = parent
            processes.wide[slot].links.parentSerial = processes.wide[parentSlot].links.serial
            processes.wide[parentSlot].links.forked = true
            for namespace in sets.members[Int(processes.wide[parentSlot].links.trees)] {
                if !sets.contains(processes.wide[slot].links.trees, namespace) { addTree(namespace, at: slot) }
            }
        }
        for pid in pending.sorted() { adopt(pid, depth: 0) }
    }

    // MARK: Publishing

    /// The names of dynamic namespaces removed since the last call whose
    /// files may exist: the publisher deletes them. A name made again
    /// meanwhile is not listed (its file is rewritten instead).
    package mutating func takeRemovedNamespaces() -> [String] {
        dynamic.takeRemovedNames()
    }

    /// `publishChanged` that also names a dynamic namespace (nil for a
    /// rule's: its names are the table's, `forEachNamespace(inGroupOf:)`),
    /// since the body cannot ask the tracker. `body` returns false to hold a
    /// namespace back (it stays changed).
    package mutating func publishChangedNamed(_ body: (NamespaceID, String?, UnsafeBufferPointer<Int32>) -> Bool) {
        let base = dynamic.base
        let names = dynamic.names
        publishChanged { leader, members in
            body(leader, Int(leader.index) >= base ? names[Int(leader.index) - base] : nil, members)
        }
    }

    /// `publishChangedNamed` that also gives a dynamic namespace's one
    /// reader under `hidepid` (`selectedUser(of:)`, which the body cannot
    /// ask).
    package mutating func publishChangedNamed(_ body: (NamespaceID, String?, UInt32?, UnsafeBufferPointer<Int32>) -> Bool) {
        let base = dynamic.base
        let names = dynamic.names
        let readers = dynamic.readers
        publishChanged { leader, members in
            let index = Int(leader.index)
            guard index >= base else { return body(leader, nil, nil, members) }
            let reader = readers[index - base]
            return body(leader, names[index - base], reader == .max ? nil : reader, members)
        }
    }

    /// The name of `namespace` when it is a live dynamic one, else nil
    /// (for an ID kept across a reload or a removal: safe with any ID).
    package func liveDynamicName(of namespace: NamespaceID) -> String? {
        dynamic.isLive(Int(namespace.index)) ? dynamic.name(of: Int(namespace.index)) : nil
    }

    /// The one user whose processes alone `namespace` can hold (under
    /// `hidepid` that user may read its file): a rule's, or a dynamic
    /// namespace's as its template made it; nil for a tree.
    package func selectedUser(of namespace: NamespaceID) -> UInt32? {
        Int(namespace.index) < table.namespaceCount ? table.selectedUser(of: namespace) : dynamic.reader(of: Int(namespace.index))
    }

    /// Processes not listed in a dynamic template's namespace because
    /// `--max-namespaces` was reached, since start.
    package var templateRefusals: Int { dynamic.refusals }

    /// The lines of the templates that hit `--max-namespaces` since the
    /// last call (for one log line each).
    package mutating func takeCappedTemplates() -> [Int] {
        dynamic.takeCapped().map { table.templates[$0].rule.line }
    }

    /// Live dynamic namespaces, interned tree sets, executables and ghosts
    /// (some of which a collection may drop): what the general paths hold
    /// beyond the process table.
    package var generalFootprint: (dynamic: Int, treeSets: Int, executables: Int, ghosts: Int) {
        (dynamic.liveCount, sets.liveCount, executables.liveCount, ghosts.count)
    }
}
