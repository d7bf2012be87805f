import UprocRules

/// What `Tracker.restoreLineage` made of a lineage file.
package struct LineageRestore: Hashable, Sendable {
    /// Live records whose process runs, started when the file says.
    package var restored = 0
    /// Live records whose process exited meanwhile (or whose PID another
    /// process has now: its start time differs).
    package var gone = 0
    /// Tree namespaces of the file the rules no longer have.
    package var droppedTrees: [String] = []

    package init() {}
}

extension Tracker {
    /// The lineage to keep across a restart (`LineageSnapshot`): the live
    /// processes in a tree namespace, those whose parent exited (`/proc`
    /// shows them reparented), the live parents of ghosts, and every ghost.
    /// `startTime` reads a live process's start time (field 22 of
    /// `/proc/PID/stat`); a process it finds gone is left out.
    package func lineageSnapshot(written: UInt64, startTime: (Int32) -> UInt64?) -> LineageSnapshot {
        lineageSnapshot(written: written) { pid, _ in startTime(pid) }
    }

    /// `lineageSnapshot` whose `startTime` also gets the process's serial,
    /// which no other process the tracker holds in this run shares: a
    /// caller may keep the start times it read by serial and read only
    /// those of processes new since its last snapshot.
    package func lineageSnapshot(written: UInt64, startTime: (Int32, UInt32) -> UInt64?) -> LineageSnapshot {
        var snapshot = LineageSnapshot(written: written)
        guard lineage else { return snapshot }
        let needed = neededGhosts()
        var ghostParents = Set<UInt32>()
        for (key, ghost) in ghosts.entries where needed.contains(key) {
            if case .live = ancestor(ghost.parent, ghost.parentSerial) { ghostParents.insert(ghost.parentSerial) }
        }
        // Record numbers by serial; tree numbers by namespace index.
        var numbers: [UInt32: Int] = [:]
        var treeNumbers: [Int32: Int] = [:]
        var parents: [(Int32, UInt32)] = []
        for slot in processes.keys.indices where processes.keys[slot] != 0 {
            let links = processes.wide[slot].links
            let parentIsGhost = needed.contains(Ghosts.key(links.parent, links.parentSerial))
            guard links.trees != 0 || parentIsGhost || ghostParents.contains(links.serial) else { continue }
            let pid = processes.keys[slot]
            guard let start = startTime(pid, links.serial) else { continue }
            var trees: [Int] = []
            for namespace in sets.members[Int(links.trees)] {
                if let number = treeNumbers[namespace] {
                    trees.append(number)
                    continue
                }
                let index = Int(namespace)
                let tree: LineageSnapshot.Tree
                if index < table.namespaceCount {
                    tree = LineageSnapshot.Tree(name: table.name(of: NamespaceID(index)))
                } else {
                    tree = LineageSnapshot.Tree(name: dynamic.name(of: index),
                                                template: Self.templateText(table.templates[dynamic.template(of: index)].rule))
                }
                treeNumbers[namespace] = snapshot.trees.count
                trees.append(snapshot.trees.count)
                snapshot.trees.append(tree)
            }
            numbers[links.serial] = snapshot.records.count
            snapshot.records.append(LineageSnapshot.Record(pid: pid, start: start, parent: nil, trees: trees))
            parents.append((links.parent, links.parentSerial))
        }
        for (key, ghost) in ghosts.entries.sorted(by: { $0.key < $1.key }) where needed.contains(key) {
            numbers[UInt32(truncatingIfNeeded: key)] = snapshot.records.count
            snapshot.records.append(LineageSnapshot.Record(
                pid: Int32(bitPattern: UInt32(truncatingIfNeeded: key >> 32)), start: nil, parent: nil, comm: ghost.comm.bytes))
            parents.append((ghost.parent, ghost.parentSerial))
        }
        for index in snapshot.records.indices {
            let (pid, serial) = parents[index]
            guard pid > 0, let number = numbers[serial], ancestor(pid, serial) != nil else { continue }
            snapshot.records[index].parent = number
        }
        return snapshot
    }

    /// After the start-up scan and `adoptParents`: puts back what a lineage
    /// file kept. A live record counts only when its process still runs
    /// with the start time on file (`startTime` reads it); it gets its
    /// recorded parent (a ghost, or a live record) and trees, and whatever
    /// descends from it now (forked while the daemon was down, as `/proc`
    /// shows) joins its trees. Ghosts no live record needs are dropped.
    package mutating func restoreLineage(_ snapshot: LineageSnapshot, startTime: (Int32) -> UInt64?) -> LineageRestore {
        var report = LineageRestore()
        guard lineage else { return report }
        // Trees by name: a rule's, or a dynamic template's of the same text.
        var trees: [Int32?] = []
        for tree in snapshot.trees {
            var id: Int32?
            if let template = tree.template {
                if let index = table.templates.firstIndex(where: { $0.isTree && Self.templateText($0.rule) == template }) {
                    nameBuffer = Array(tree.name.utf8)
                    let isNew = dynamic.id(named: nameBuffer) == nil
                    if case .made(let made) = makeDynamicByName(index) {
                        id = made
                        if isNew {
                            // A new file, written at the next drain.
                            namespaces[Int(made)].flags = NamespaceState.queued | NamespaceState.forced
                            dirty.append(made)
                        }
                    }
                }
            } else if let found = table.id(of: tree.name), table.isTree(found) {
                id = found.index
            }
            if id == nil { report.droppedTrees.append(tree.name) }
            trees.append(id)
        }
        // Each record's process now: a live one, verified, or a new ghost.
        var steps: [(pid: Int32, serial: UInt32)?] = []
        for record in snapshot.records {
            if let start = record.start {
                guard let slot = processes.slot(of: record.pid), startTime(record.pid) == start else {
                    report.gone += 1
                    steps.append(nil)
                    continue
                }
                report.restored += 1
                steps.append((record.pid, processes.wide[slot].links.serial))
            } else {
                let serial = newSerial()
                ghosts[record.pid, serial] = Ghost(parent: 0, parentSerial: 0, comm: Comm(record.comm))
                steps.append((record.pid, serial))
            }
        }
        // Recorded parents replace what /proc said.
        for (index, record) in snapshot.records.enumerated() {
            guard let step = steps[index], let parentIndex = record.parent, let parent = steps[parentIndex],
                  parent.serial != step.serial else { continue }
            switch ancestor(step.pid, step.serial) {
            case .live(let slot):
                processes.wide[slot].links.parent = parent.pid
                processes.wide[slot].links.parentSerial = parent.serial
            case .ghost:
                ghosts[step.pid, step.serial]!.parent = parent.pid
                ghosts[step.pid, step.serial]!.parentSerial = parent.serial
            case nil:
                continue
            }
            if case .live(let parentSlot) = ancestor(parent.pid, parent.serial) { processes.wide[parentSlot].links.forked = true }
        }
        // Ghosts that link no live process go.
        collectGhosts()
        for (index, record) in snapshot.records.enumerated() where !record.exited {
            guard let step = steps[index], let slot = processes.slot(of: step.pid) else { continue }
            for tree in record.trees { if let id = trees[tree] { joinTree(id, at: slot) } }
        }
        propagateTrees()
        return report
    }

    /// Every live process joins the trees of its nearest live ancestor
    /// (parents first): after lineage was put back from a file.
    mutating func propagateTrees() {
        var order: [(depth: Int, pid: Int32)] = []
        var depth: [UInt32: Int] = [:]
        var nearest: [Int32: Int32] = [:]
        func depthOf(_ slot: ProcessTable.Slot) -> Int {
            let serial = processes.wide[slot].links.serial
            if let known = depth[serial] { return known }
            depth[serial] = 0
            var (pid, parentSerial) = (processes.wide[slot].links.parent, processes.wide[slot].links.parentSerial)
            var result = 0
            var steps = 0
            while let step = ancestor(pid, parentSerial), steps <= processes.count + ghosts.count {
                if case .live(let parentSlot) = step {
                    nearest[processes.keys[slot]] = pid
                    result = depthOf(parentSlot) + 1
                    break
                }
                (pid, parentSerial) = parent(of: step)
                steps += 1
            }
            depth[serial] = result
            return result
        }
        for slot in processes.keys.indices where processes.keys[slot] != 0 {
            order.append((depthOf(slot), processes.keys[slot]))
        }
        for (_, pid) in order.sorted(by: { ($0.depth, $0.pid) < ($1.depth, $1.pid) }) {
            guard let parent = nearest[pid], let parentSlot = processes.slot(of: parent), let slot = processes.slot(of: pid) else {
                continue
            }
            for namespace in sets.members[Int(processes.wide[parentSlot].links.trees)] { joinTree(namespace, at: slot) }
        }
    }

    /// A template as a lineage file names it: its text, line left out.
    static func templateText(_ rule: RuleTemplate) -> String {
        var rule = rule
        rule.line = 0
        return rule.description
    }
}
