import UprocRules

/// Which namespaces are accounted, and the slot of each: namespaces with
/// one rule (a group) share a slot, as they share a member list. Slots
/// outlive rule reloads by name, so a namespace's counters go on when new
/// rules keep it.
package struct AccountedNamespaces: Sendable {
    /// Per namespace of the current table: its slot, or -1.
    private var slotByNamespace: [Int32]
    /// Per slot: the names it accounts (a group's); empty when free.
    package private(set) var namesBySlot: [[String]] = []

    /// Accounts the groups of `table` that hold one of `names`.
    package init(table: DecisionTable, accounting names: Set<String>) {
        slotByNamespace = []
        _ = update(table: table, accounting: names)
    }

    /// How many slots the ledger needs (free ones included).
    package var slotCount: Int { namesBySlot.count }

    /// The slot of `namespace` (any of its group), if it is accounted.
    package func slot(of namespace: NamespaceID) -> UInt32? {
        let index = Int(namespace.index)
        guard index < slotByNamespace.count, slotByNamespace[index] >= 0 else { return nil }
        return UInt32(slotByNamespace[index])
    }

    /// What changed for the ledger.
    package struct Change: Hashable, Sendable {
        /// Slots no longer accounted (`AccountingLedger.retireSlot`).
        package var retired: [UInt32] = []
        /// Slots that count from now on (their members must be placed).
        package var added: [UInt32] = []
    }

    /// New rules, or a new choice of names: a group keeps the slot one of
    /// its names had (the first, in the table's order); slots no name keeps
    /// are retired and taken again by new groups (retire before adding).
    package mutating func update(table: DecisionTable, accounting names: Set<String>) -> Change {
        var change = Change()
        var oldSlotByName: [String: UInt32] = [:]
        for (slot, slotNames) in namesBySlot.enumerated() {
            for name in slotNames { oldSlotByName[name] = UInt32(slot) }
        }
        var newNames = Array(repeating: [String](), count: namesBySlot.count)
        var claimed = Set<UInt32>()
        var groups: [(leader: NamespaceID, names: [String])] = []
        for index in 0..<table.namespaceCount {
            let id = NamespaceID(index)
            guard table.isGroupLeader(id) else { continue }
            var groupNames: [String] = []
            var accounted = false
            table.forEachNamespace(inGroupOf: id) { member in
                let name = table.name(of: member)
                groupNames.append(name)
                if names.contains(name) { accounted = true }
            }
            if accounted { groups.append((id, groupNames)) }
        }
        var slotByLeader: [(NamespaceID, UInt32)] = []
        var unplaced: [(NamespaceID, [String])] = []
        for (leader, groupNames) in groups {
            if let old = groupNames.lazy.compactMap({ oldSlotByName[$0] }).first(where: { !claimed.contains($0) }) {
                claimed.insert(old)
                newNames[Int(old)] = groupNames
                slotByLeader.append((leader, old))
            } else {
                unplaced.append((leader, groupNames))
            }
        }
        for slot in namesBySlot.indices where !namesBySlot[slot].isEmpty && !claimed.contains(UInt32(slot)) {
            change.retired.append(UInt32(slot))
        }
        var freeSlots = Array((0..<UInt32(newNames.count)).filter { newNames[Int($0)].isEmpty }.reversed())
        for (leader, groupNames) in unplaced {
            let slot: UInt32
            if let free = freeSlots.popLast() {
                slot = free
            } else {
                slot = UInt32(newNames.count)
                newNames.append([])
            }
            newNames[Int(slot)] = groupNames
            slotByLeader.append((leader, slot))
            change.added.append(slot)
        }
        namesBySlot = newNames
        slotByNamespace = Array(repeating: -1, count: table.namespaceCount)
        for (leader, slot) in slotByLeader {
            table.forEachNamespace(inGroupOf: leader) { slotByNamespace[Int($0.index)] = Int32(slot) }
        }
        return change
    }
}
