import UprocRules

/// New rules when either table has more than plain rules.
///
/// Tree membership is sticky across a reload: a process stays in a tree
/// namespace whose name the new rules still make a tree (a rule's of that
/// name, or a dynamic template of the same text), and joins the trees of
/// the new rules whose roots it or an ancestor matches now. Dynamic
/// namespaces are made again from the processes; a name that existed keeps
/// its file (rewritten only when its members differ), one that no longer
/// exists is removed (`takeRemovedNamespaces`).
extension Tracker {
    @usableFromInline
    mutating func replaceTableGeneral(_ newTable: DecisionTable, republishAll: Bool) -> TableChange {
        settle()
        _ = changes.settle()
        var unpublished: [Int: [Int32]] = [:]
        for key in changes.entries {
            unpublished[ChangeLog.namespace(of: key), default: []].append(Int32(truncatingIfNeeded: UInt32(truncatingIfNeeded: key)))
        }
        changes.removeAll()
        let oldTable = table
        let oldDynamic = dynamic
        let oldNamespaces = namespaces
        let oldSets = sets
        let oldLineage = lineage
        let oldName = { (index: Int) -> String in index < oldTable.namespaceCount ? oldTable.name(of: NamespaceID(index)) : oldDynamic.name(of: index) }

        table = newTable
        general = newTable.hasExtensions
        lineage = newTable.hasTrees
        memo = MatchMemo()
        dynamic = DynamicNamespaces(base: newTable.namespaceCount, capacity: newTable.maxNamespaces - newTable.namespaceCount)
        namespaces = Array(repeating: NamespaceState(), count: newTable.namespaceCount)
        dirty.removeAll(keepingCapacity: true)
        // Login UIDs and paths are kept only while the rules are more
        // than plain ones, paths only while a rule asks for them.
        processes.keepFacts(Self.keepsFacts(newTable))
        if general && newTable.usedKeys.contains(.exe) {
            executables.rematch(newTable)
        } else if executables.liveCount > 0 {
            for slot in processes.keys.indices where processes.keys[slot] != 0 {
                processes.setFacts(ProcessTable.Facts(loginuid: processes.facts(at: slot).loginuid), at: slot)
            }
            executables = Executables()
        }
        sets = TreeSets()
        if lineage && !oldLineage {
            processes.keepLinks(true)
            for slot in processes.keys.indices where processes.keys[slot] != 0 { processes.wide[slot].links.serial = newSerial() }
        } else if !lineage && oldLineage {
            processes.keepLinks(false)
            ghosts.removeAll()
        }

        // Old tree namespaces the new rules keep, by name.
        var treeMap: [Int32: Int32] = [:]
        if lineage && oldLineage {
            // The sets processes hold (the memo holds others).
            var held = Set<UInt32>()
            for slot in processes.keys.indices where processes.keys[slot] != 0 { held.insert(processes.wide[slot].links.trees) }
            var seen = Set<Int32>()
            for set in held where set != 0 {
                for index in oldSets.members[Int(set)] where seen.insert(index).inserted {
                    let name = oldName(Int(index))
                    if let id = newTable.id(of: name) {
                        if newTable.isTree(id) { treeMap[index] = id.index }
                        continue
                    }
                    guard Int(index) >= oldTable.namespaceCount else { continue }
                    var old = oldTable.templates[oldDynamic.template(of: Int(index))].rule
                    old.line = 0
                    guard let template = newTable.templates.firstIndex(where: {
                        var rule = $0.rule
                        rule.line = 0
                        return rule == old && $0.isTree
                    }) else { continue }
                    nameBuffer = Array(name.utf8)
                    if case .made(let id) = makeDynamicByName(template) { treeMap[index] = id }
                }
            }
        }

        // Every process, ascending: its non-tree namespaces (appends), and
        // the trees it is a root of.
        let pids = processes.sortedPIDs()
        var roots: [Int32: [Int32]] = [:]
        for pid in pids {
            let slot = processes.slot(of: pid)!
            let key = processes.stored(at: slot)
            let identity = processes.identity(at: slot)
            let entry = general ? generalEntry(key, processes.facts(at: slot), identity, making: true)
                : memo.classify(key, in: newTable) { identity }
            for index in memo.entries[entry].indices { namespaces[Int(index)].members.append(pid) }
            if lineage && !memo.entries[entry].roots.isEmpty { roots[pid] = memo.entries[entry].roots }
        }
        if lineage {
            rebuildTrees(pids, roots: roots) { oldLineage ? oldSets.members[Int($0)].compactMap { treeMap[$0] } : [] }
        }

        // Per new namespace: its old group's leader (by name), or -1.
        var origin = [Int32](repeating: -1, count: namespaces.count)
        var change = newTable.namespaceChanges(from: oldTable) { newIndex, oldID in
            if let oldID { origin[newIndex] = oldTable.groupLeader(of: oldID).index }
        }
        for index in 0..<newTable.namespaceCount where origin[index] < 0 {
            if let old = oldDynamic.id(named: Array(newTable.namespaceNames[index].utf8)) { origin[index] = old }
        }
        for index in dynamic.base..<dynamic.endID where dynamic.isLive(index) {
            // Carried over from a dynamic namespace whose file was offered;
            // a rule's namespace of that name has its file deleted (it is
            // in `change.removed`) and this one is written anew.
            let name = dynamic.name(of: index)
            if let old = oldDynamic.id(named: Array(name.utf8)), oldDynamic.offered[Int(old) - oldDynamic.base] {
                origin[index] = old
                dynamic.markOffered(index)
            } else if oldDynamic.removedNames.contains(name) {
                dynamic.markOffered(index)
            }
        }
        // Old dynamic names that are gone: their files go.
        var gone: [String] = oldDynamic.removedNames.filter { newTable.id(of: $0) == nil && dynamic.id(named: Array($0.utf8)) == nil }
        for index in oldDynamic.base..<oldDynamic.endID where oldDynamic.isLive(index) && oldDynamic.offered[index - oldDynamic.base] {
            let name = oldDynamic.name(of: index)
            if newTable.id(of: name) == nil && dynamic.id(named: Array(name.utf8)) == nil { gone.append(name) }
        }
        dynamic.inheritRemovals(gone)

        var carried: [(Int, [Int32])] = []
        for newIndex in namespaces.indices where newTable.isGroupLeader(NamespaceID(newIndex)) {
            if newIndex >= dynamic.base && !dynamic.isLive(newIndex) { continue }
            let oldLeader = Int(origin[newIndex])
            var oneOrigin = oldLeader >= 0
            if oneOrigin && newIndex < newTable.namespaceCount && newTable.hasGroups {
                newTable.forEachNamespace(inGroupOf: NamespaceID(newIndex)) { if origin[Int($0.index)] != oldLeader { oneOrigin = false } }
            }
            guard oneOrigin, oldNamespaces[oldLeader].flags & NamespaceState.forced == 0 else {
                namespaces[newIndex].flags = NamespaceState.forced
                continue
            }
            let old = oldNamespaces[oldLeader]
            let published = Self.symmetricDifference(old.members, unpublished[oldLeader] ?? [])
            let difference = Self.symmetricDifference(namespaces[newIndex].members, published)
            namespaces[newIndex].publishedCount = Int32(truncatingIfNeeded: published.count)
            namespaces[newIndex].flags = 0
            if !difference.isEmpty { carried.append((newIndex, difference)) }
        }
        for (index, pids) in carried {
            if changes.entries.count &+ pids.count > ChangeLog.limit {
                namespaces[index].flags = NamespaceState.forced
            } else {
                for pid in pids { changes.append(index, pid) }
                namespaces[index].flags = NamespaceState.differs
            }
        }
        _ = changes.settle()

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

    /// `makeDynamic` for a name carried over (the buffer holds it); the
    /// namespace found when it exists.
    mutating func makeDynamicByName(_ template: Int) -> Made {
        if let id = dynamic.id(named: nameBuffer) { return .made(id) }
        if table.id(of: String(decoding: nameBuffer, as: UTF8.self)) != nil { return .taken }
        guard let id = dynamic.make(nameBuffer, template: template) else { return .capped }
        if Int(id) == namespaces.count { namespaces.append(NamespaceState()) } else { namespaces[Int(id)] = NamespaceState() }
        return .made(id)
    }

    /// Every process's tree set under the new rules, parents before
    /// children: what it carried (mapped), the trees it is a root of, and
    /// its nearest live ancestor's. Members are appended in `pids` order.
    private mutating func rebuildTrees(_ pids: [Int32], roots: [Int32: [Int32]], carried: (UInt32) -> [Int32]) {
        // Depth below the nearest live ancestor, through ghosts.
        var nearest: [Int32: Int32] = [:]
        var depth: [Int32: Int] = [:]
        func depthOf(_ pid: Int32) -> Int {
            if let known = depth[pid] { return known }
            depth[pid] = 0  // a guard against a cycle in restored data
            var result = 0
            let slot = processes.slot(of: pid)!
            var (parent, serial) = (processes.wide[slot].links.parent, processes.wide[slot].links.parentSerial)
            var steps = 0
            while let step = ancestor(parent, serial), steps < processes.count + ghosts.count {
                if case .live = step {
                    nearest[pid] = parent
                    result = depthOf(parent) + 1
                    break
                }
                (parent, serial) = self.parent(of: step)
                steps += 1
            }
            depth[pid] = result
            return result
        }
        for pid in pids { _ = depthOf(pid) }
        var trees: [Int32: [Int32]] = [:]
        for pid in pids.sorted(by: { (depth[$0]!, $0) < (depth[$1]!, $1) }) {
            let slot = processes.slot(of: pid)!
            var list = carried(processes.wide[slot].links.trees)
            list += roots[pid] ?? []
            if let parent = nearest[pid] { list += trees[parent] ?? [] }
            trees[pid] = Array(Set(list)).sorted()
        }
        for pid in pids {
            let slot = processes.slot(of: pid)!
            let set = sets.id(of: trees[pid] ?? [])
            sets.retain(set)
            processes.wide[slot].links.trees = set
            for namespace in sets.members[Int(set)] { namespaces[Int(namespace)].members.append(pid) }
        }
    }

    /// Whether login UIDs and executables are kept: only while some rule
    /// or template reads one (trees alone need neither).
    static func keepsFacts(_ table: DecisionTable) -> Bool {
        table.hasExtensions && !table.usedKeys.isDisjoint(with: [.loginuid, .exe])
    }
}
