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
///
/// Namespaces are numbered plain rules first (IDs and names only, what the
/// hashed index serves), then the rules with a tree, login UID or
/// executable (`ExtendedRules`), each part in source order, template
/// expansions after the concrete rules. A table may also hold dynamic
/// templates (`templates`), whose namespaces the tracker makes while they
/// have members, numbered after these.
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
        /// Tree, login and executable rules and templates; nil for a table of
        /// plain rules only (every lookup then is what it always was).
        let more: More?

        init(
            names: [String], usedKeys: RuleKeys, nameIndex: NameIndex, lines: [Int32], index: LookupIndex,
            groups: RuleGroups, more: More?
        ) {
            self.names = names
            self.usedKeys = usedKeys
            self.nameIndex = nameIndex
            self.lines = lines
            self.index = index
            self.groups = groups
            hasGroups = !groups.isEmpty
            self.more = more
        }
    }

    /// What a table holds beyond plain rules (a class: a look-up reads it
    /// through one reference, not a copy of its arrays).
    final class More: Sendable {
        /// Namespaces `0..<plainCount` are plain.
        let plainCount: Int
        let extended: ExtendedRules
        let templates: [DynamicTemplate]
        /// Every distinct `exe` pattern of rules and templates.
        let executablePatterns: [CommPattern]
        /// For the names dynamic templates make.
        let accounts: AccountNames
        /// Whether any namespace or template is a tree.
        let hasTrees: Bool
        /// At most this many namespaces, static and dynamic together.
        let maxNamespaces: Int

        init(plainCount: Int, extended: ExtendedRules, templates: [DynamicTemplate], executablePatterns: [CommPattern],
             accounts: AccountNames, hasTrees: Bool, maxNamespaces: Int) {
            self.plainCount = plainCount
            self.extended = extended
            self.templates = templates
            self.executablePatterns = executablePatterns
            self.accounts = accounts
            self.hasTrees = hasTrees
            self.maxNamespaces = maxNamespaces
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
            index: storage.index, groups: storage.groups, more: storage.more))
    }

    /// The default bound on namespaces, static and dynamic (`--max-namespaces`).
    package static let defaultMaxNamespaces = 1_000_000

    /// Builds a table from already validated rules (unique namespace names)
    /// and dynamic templates.
    package init(rules: [Rule], templates: [RuleTemplate] = [], maxNamespaces: Int = DecisionTable.defaultMaxNamespaces) {
        var built = RuleBuilder(rules: rules)
        self.init(taking: &built, templates: templates.map { TemplateSpec(template: $0) }, accounts: AccountNames(), maxNamespaces: maxNamespaces)
    }

    /// The compiler's path: rules collected flat, names already unique.
    /// Leaves `built` without its conditions (freed as soon as indexed).
    init(
        taking built: inout RuleBuilder, templates: [TemplateSpec] = [], accounts: AccountNames = AccountNames(),
        maxNamespaces: Int = DecisionTable.defaultMaxNamespaces
    ) {
        var keys: RuleKeys = []
        for condition in built.conditions { keys.insert(RuleKeys(condition.key)) }
        let extendedRules = built.partition()
        var more: More?
        if !extendedRules.isEmpty || !templates.isEmpty {
            var patterns: [CommPattern] = []
            var patternIndex: [CommPattern: Int32] = [:]
            func executable(_ pattern: CommPattern) -> Int32 {
                if let index = patternIndex[pattern] { return index }
                patternIndex[pattern] = Int32(patterns.count)
                patterns.append(pattern)
                return Int32(patterns.count - 1)
            }
            for rule in extendedRules {
                keys.formUnion(rule.keys)
                if let pattern = rule.executable { _ = executable(pattern) }
            }
            var dynamic: [DynamicTemplate] = []
            for spec in templates {
                keys.formUnion(spec.template.ruleKeys)
                dynamic.append(DynamicTemplate(
                    rule: spec.template, uncovered: spec.uncovered, covered: spec.covered,
                    executable: spec.template.executable.map(executable) ?? -1))
            }
            let plainCount = built.count
            let extended = ExtendedRules(
                first: plainCount, rules: extendedRules, names: built.names[plainCount...],
                executables: executable, patternCount: patterns.count)
            more = More(
                plainCount: plainCount, extended: extended, templates: dynamic, executablePatterns: patterns,
                accounts: accounts, hasTrees: extendedRules.contains(where: \.isTree) || templates.contains(where: \.template.isTree),
                maxNamespaces: maxNamespaces)
        }
        var index = LookupIndex(&built)
        let groups = index.takeGroups()
        storage = Storage(
            names: built.names,
            usedKeys: keys,
            nameIndex: built.nameIndex,
            lines: built.tableLines,
            index: index,
            groups: groups,
            more: more)
    }

    /// The rules, one per namespace, in the same order, conditions in source
    /// order. Rebuilt on every call (allocates): for dumps and tests, not
    /// for hot paths (see `rule(_:holdsFor:)`).
    package var rules: [Rule] {
        namespaceNames.indices.map { rule(at: $0) }
    }

    /// The rule of namespace `index` (allocates).
    func rule(at index: Int) -> Rule {
        let line = storage.lines.isEmpty ? 0 : Int(storage.lines[index])
        if let more = storage.more, index >= more.plainCount {
            let flat = more.extended.rules[index - more.plainCount]
            return Rule(
                tree: flat.isTree, conditions: flat.conditions, loginuid: flat.hasLoginUID ? flat.loginuid : nil,
                executable: flat.executable >= 0 ? more.executablePatterns[Int(flat.executable)] : nil,
                namespace: namespaceNames[index], line: line)
        }
        return Rule(conditions: self.index.conditions(of: index), namespace: namespaceNames[index], line: line)
    }

    /// The namespaces of rules (not of dynamic templates).
    package var namespaceCount: Int { storage.names.count }

    /// The dynamic templates, in source order: their namespaces come and go
    /// with their members (the tracker makes them).
    package var templates: [DynamicTemplate] { storage.more?.templates ?? [] }

    /// Whether the table has more than plain rules (trees, logins,
    /// executables, dynamic templates): the tracker then takes its general paths.
    package var hasExtensions: Bool { storage.more != nil }

    /// Whether some namespace or template is a tree: the tracker then
    /// follows the lineage.
    package var hasTrees: Bool { storage.more?.hasTrees ?? false }

    /// Whether namespace `id` (of a rule) is a tree.
    package func isTree(_ id: NamespaceID) -> Bool {
        guard let more = storage.more, Int(id.index) >= more.plainCount else { return false }
        return more.extended.rules[Int(id.index) - more.plainCount].isTree
    }

    /// At most this many namespaces, those of rules and of dynamic templates together.
    package var maxNamespaces: Int { storage.more?.maxNamespaces ?? DecisionTable.defaultMaxNamespaces }

    /// Which `exe` patterns `path` matches: worked out once per distinct
    /// executable, then passed to every classification of its processes.
    package func executableMatches(path: [UInt8]) -> ExecutableMatches {
        guard let patterns = storage.more?.executablePatterns, !patterns.isEmpty else { return .none }
        return ExecutableMatches(count: patterns.count) { patterns[$0].matches(path: path) }
    }

    /// Writes into `name` the name dynamic template `template` gives a
    /// process with these facts, if it matches; false when it does not,
    /// or when the name would be empty or over 255 bytes.
    package func templateName(
        _ template: Int, for identity: ProcessIdentity, executable: ExecutableMatches, path: [UInt8]?,
        into name: inout [UInt8]
    ) -> Bool {
        var scratch: [UInt8] = []
        return templateName(template, for: identity, executable: executable, path: path, into: &name, scratch: &scratch)
    }

    /// `templateName` with a buffer for the values (reused: no allocation).
    package func templateName(
        _ template: Int, for identity: ProcessIdentity, executable: ExecutableMatches, path: [UInt8]?,
        into name: inout [UInt8], scratch: inout [UInt8]
    ) -> Bool {
        guard let more = storage.more, more.templates[template].matches(identity, executable) else { return false }
        return more.templates[template].name(for: identity, executable: path, accounts: more.accounts, into: &name, scratch: &scratch)
    }
    package func id(of name: String) -> NamespaceID? {
        storage.nameIndex.index(of: name, in: storage.names).map(NamespaceID.init)
    }

    package func name(of id: NamespaceID) -> String { storage.names[Int(id.index)] }

    /// Whether all conditions of namespace `id`'s rule hold for `identity`
    /// (no allocation; any namespace, grouped or not). For a tree rule:
    /// whether the process is one of its roots.
    package func rule(_ id: NamespaceID, holdsFor identity: ProcessIdentity) -> Bool {
        if let more = storage.more, Int(id.index) >= more.plainCount {
            return more.extended.rules[Int(id.index) - more.plainCount].holds(identity, .none)
        }
        return index.rule(Int(id.index), holdsFor: identity)
    }

    /// `rule(_:holdsFor:)` for a process running an executable that
    /// matches `executable`'s patterns.
    package func rule(_ id: NamespaceID, holdsFor identity: ProcessIdentity, executable: ExecutableMatches) -> Bool {
        if let more = storage.more, Int(id.index) >= more.plainCount {
            return more.extended.rules[Int(id.index) - more.plainCount].holds(identity, executable)
        }
        return index.rule(Int(id.index), holdsFor: identity)
    }

    /// Calls `body` once for each namespace `identity` belongs to (for a
    /// tree: of which it is a root), in no particular order, without
    /// allocating.
    package func forEachMatch(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        if storage.hasGroups {
            forEachMatchThroughGroups(identity, body)
        } else {
            index.forEachMatchingGroup(identity, body)
        }
        if let more = storage.more { more.extended.forEachMatch(identity, .none, body) }
    }

    /// `forEachMatch` for a process running an executable that matches
    /// `executable`'s patterns.
    package func forEachMatch(_ identity: ProcessIdentity, executable: ExecutableMatches, _ body: (NamespaceID) -> Void) {
        if storage.hasGroups {
            forEachMatchThroughGroups(identity, body)
        } else {
            index.forEachMatchingGroup(identity, body)
        }
        if let more = storage.more { more.extended.forEachMatch(identity, executable, body) }
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
    /// the group (one member list, one file under every name). Only plain
    /// rules are grouped; any other ID (an extended rule's, a dynamic
    /// namespace's) leads itself.
    package func groupLeader(of id: NamespaceID) -> NamespaceID {
        storage.hasGroups && isPlain(id) ? NamespaceID(storage.groups.leader(of: Int(id.index))) : id
    }

    /// Whether `id` leads its group (every namespace of a unique rule does).
    package func isGroupLeader(_ id: NamespaceID) -> Bool {
        !storage.hasGroups || !isPlain(id) || storage.groups.isLeader(Int(id.index))
    }

    /// Whether `id` is a plain rule's namespace.
    @inline(__always)
    private func isPlain(_ id: NamespaceID) -> Bool {
        Int(id.index) < (storage.more?.plainCount ?? storage.names.count)
    }

    /// Calls `body` with the leader of each group `identity` belongs to: as
    /// `forEachMatch`, once per group instead of once per namespace.
    @usableFromInline package func forEachMatchingGroup(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        index.forEachMatchingGroup(identity, body)
        if let more = storage.more { more.extended.forEachMatch(identity, .none, body) }
    }

    /// `forEachMatchingGroup` for a process running an executable that
    /// matches `executable`'s patterns.
    package func forEachMatchingGroup(_ identity: ProcessIdentity, executable: ExecutableMatches, _ body: (NamespaceID) -> Void) {
        index.forEachMatchingGroup(identity, body)
        if let more = storage.more { more.extended.forEachMatch(identity, executable, body) }
    }

    /// Calls `body` with every namespace of `leader`'s group, ascending,
    /// the leader first.
    package func forEachNamespace(inGroupOf leader: NamespaceID, _ body: (NamespaceID) -> Void) {
        guard isPlain(leader) else { return body(leader) }
        storage.groups.forEachMember(of: Int(leader.index)) { body(NamespaceID($0)) }
    }

    /// The namespaces `identity` belongs to (of tree rules: is a root of),
    /// ascending (allocates).
    package func matches(_ identity: ProcessIdentity, executable: ExecutableMatches = ExecutableMatches(words: [])) -> [NamespaceID] {
        var result: [NamespaceID] = []
        forEachMatch(identity, executable: executable) { result.append($0) }
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
