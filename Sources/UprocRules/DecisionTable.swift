/// The compiled rules: given a process identity, which namespaces hold it.
///
/// Each rule is indexed under exactly one of its exact values (the one
/// shared by the fewest rules), in a hash table per key; rules with only
/// `cmd` patterns sit in a side list. A lookup probes one table per key in
/// use, checks each candidate's other conditions, then the side list: a
/// rule, and so a namespace, is yielded at most once.
///
/// Rules are kept only in their flat compiled form (no `[Condition]` per
/// rule): `rules` rebuilds them on demand.
@usableFromInline package struct DecisionTable: Sendable {
    /// Namespace names; `NamespaceID.index` indexes this array.
    package var namespaceNames: [String] { storage.names }
    /// Which facts any rule looks at: the daemon skips `/proc` reads that
    /// no rule depends on.
    package var usedKeys: RuleKeys { storage.usedKeys }
    /// One reference: copying a table (the tracker does, per event) is one
    /// retain, not one per array inside.
    private let storage: Storage

    private final class Storage: Sendable {
        let names: [String]
        let usedKeys: RuleKeys
        let nameIndex: NameIndex
        /// Each rule's source line; empty when every line is 0 (built in code).
        let lines: [Int32]
        let index: LookupIndex
        let groups: RuleGroups
        /// `!groups.isEmpty`, without touching the groups per lookup.
        let hasGroups: Bool

        init(names: [String], usedKeys: RuleKeys, nameIndex: NameIndex, lines: [Int32], index: LookupIndex, groups: RuleGroups) {
            self.names = names
            self.usedKeys = usedKeys
            self.nameIndex = nameIndex
            self.lines = lines
            self.index = index
            self.groups = groups
            hasGroups = !groups.isEmpty
        }
    }

    private var index: LookupIndex { storage.index }

    private init(storage: Storage) { self.storage = storage }

    /// The same table without each rule's source line (`rules` then say
    /// line 0): for a holder that never shows them, 4 bytes a rule less.
    package func withoutSourceLines() -> DecisionTable {
        guard !storage.lines.isEmpty else { return self }
        return DecisionTable(storage: Storage(
            names: storage.names, usedKeys: storage.usedKeys, nameIndex: storage.nameIndex, lines: [],
            index: storage.index, groups: storage.groups))
    }

    /// Builds a table from already validated rules (unique namespace names).
    package init(rules: [Rule]) {
        var built = RuleBuilder(rules: rules)
        self.init(taking: &built)
    }

    /// The compiler's path: rules collected flat, names already unique.
    /// Leaves `built` without its conditions (freed as soon as indexed).
    init(taking built: inout RuleBuilder) {
        var keys: RuleKeys = []
        for condition in built.conditions { keys.insert(RuleKeys(condition.key)) }
        var index = LookupIndex(&built)
        let groups = index.takeGroups()
        storage = Storage(
            names: built.names,
            usedKeys: keys,
            nameIndex: built.nameIndex,
            lines: built.tableLines,
            index: index,
            groups: groups)
    }

    /// The rules, one per namespace, in the same order, conditions in source
    /// order. Rebuilt on every call (allocates): for dumps and tests, not
    /// for hot paths (see `rule(_:holdsFor:)`).
    package var rules: [Rule] {
        namespaceNames.indices.map { rule(at: $0) }
    }

    /// The rule of namespace `index` (allocates).
    func rule(at index: Int) -> Rule {
        Rule(
            conditions: self.index.conditions(of: index),
            namespace: namespaceNames[index],
            line: storage.lines.isEmpty ? 0 : Int(storage.lines[index]))
    }

    package var namespaceCount: Int { storage.names.count }

    package func id(of name: String) -> NamespaceID? {
        storage.nameIndex.index(of: name, in: storage.names).map(NamespaceID.init)
    }

    package func name(of id: NamespaceID) -> String { storage.names[Int(id.index)] }

    /// Whether all conditions of namespace `id`'s rule hold for `identity`
    /// (no allocation; any namespace, grouped or not).
    package func rule(_ id: NamespaceID, holdsFor identity: ProcessIdentity) -> Bool {
        index.rule(Int(id.index), holdsFor: identity)
    }

    /// Calls `body` once for each namespace `identity` belongs to, in no
    /// particular order, without allocating.
    package func forEachMatch(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        if storage.hasGroups {
            forEachMatchThroughGroups(identity, body)
        } else {
            index.forEachMatchingGroup(identity, body)
        }
    }

    /// `forEachMatch` when some namespaces are grouped (kept apart, so the
    /// common path stays as small as it was).
    @inline(never)
    private func forEachMatchThroughGroups(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        index.forEachMatchingGroup(identity) { leader in
            forEachNamespace(inGroupOf: leader, body)
        }
    }

    // MARK: Groups of namespaces with the same rule

    /// Whether some namespaces have the same rule (conditions in any order)
    /// and so always the same members.
    package var hasGroups: Bool { storage.hasGroups }

    /// The first namespace whose rule is the same as `id`'s: it stands for
    /// the group (one member list, one file under every name).
    package func groupLeader(of id: NamespaceID) -> NamespaceID {
        storage.hasGroups ? NamespaceID(storage.groups.leader(of: Int(id.index))) : id
    }

    /// Whether `id` leads its group (every namespace of a unique rule does).
    package func isGroupLeader(_ id: NamespaceID) -> Bool { !storage.hasGroups || storage.groups.isLeader(Int(id.index)) }

    /// Calls `body` with the leader of each group `identity` belongs to: as
    /// `forEachMatch`, once per group instead of once per namespace.
    @usableFromInline package func forEachMatchingGroup(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        index.forEachMatchingGroup(identity, body)
    }

    /// Calls `body` with every namespace of `leader`'s group, ascending,
    /// the leader first.
    package func forEachNamespace(inGroupOf leader: NamespaceID, _ body: (NamespaceID) -> Void) {
        storage.groups.forEachMember(of: Int(leader.index)) { body(NamespaceID($0)) }
    }

    /// The namespaces `identity` belongs to, ascending (allocates).
    package func matches(_ identity: ProcessIdentity) -> [NamespaceID] {
        var result: [NamespaceID] = []
        forEachMatch(identity) { result.append($0) }
        return result.sorted()
    }

    /// How this table's namespaces differ from `old`'s, by name (a
    /// namespace's identity across recompiles): `added` and `kept` in this
    /// table's order, `removed` in `old`'s.
    package func namespaceChanges(from old: DecisionTable) -> TableChange {
        namespaceChanges(from: old) { _, _ in }
    }

    /// The same, and calls `each` with every namespace of this table, in
    /// order: its index here and its ID in `old` (nil when added), so a
    /// caller can carry state across without looking each name up again.
    package func namespaceChanges(
        from old: DecisionTable, _ each: (_ index: Int, _ oldID: NamespaceID?) -> Void
    ) -> TableChange {
        var change = TableChange(added: [], removed: [], kept: [])
        for (index, name) in namespaceNames.enumerated() {
            let oldID = old.id(of: name)
            if oldID == nil { change.added.append(name) } else { change.kept.append(name) }
            each(index, oldID)
        }
        change.removed = old.namespaceNames.filter { id(of: $0) == nil }
        return change
    }
}
