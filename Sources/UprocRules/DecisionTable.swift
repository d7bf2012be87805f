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
public struct DecisionTable: Sendable {
    /// Namespace names; `NamespaceID.index` indexes this array.
    public let namespaceNames: [String]
    /// Which facts any rule looks at: the daemon skips `/proc` reads that
    /// no rule depends on.
    public let usedKeys: RuleKeys
    private let nameIndex: NameIndex
    /// Each rule's source line; empty when every line is 0 (built in code).
    private let lines: [Int32]
    private let index: LookupIndex

    /// Builds a table from already validated rules (unique namespace names).
    public init(rules: [Rule]) {
        self.init(validatedRules: rules)
    }

    /// The compiler's path: names already checked unique.
    init(validatedRules rules: [Rule]) {
        let names = rules.map(\.namespace)
        var nameIndex = NameIndex(capacity: names.count)
        for index in names.indices {
            let existing = nameIndex.insert(Int32(index), in: names)
            precondition(existing == nil, "duplicate namespace \(names[index])")
        }
        self.namespaceNames = names
        self.nameIndex = nameIndex
        self.lines = rules.contains { $0.line != 0 } ? rules.map { Int32(truncatingIfNeeded: $0.line) } : []
        self.index = LookupIndex(rules: rules)
        var keys: RuleKeys = []
        for rule in rules {
            for condition in rule.conditions { keys.insert(RuleKeys(condition.key)) }
        }
        self.usedKeys = keys
    }

    /// The rules, one per namespace, in the same order, conditions in source
    /// order. Rebuilt on every call (allocates): for dumps and tests, not
    /// for hot paths (see `rule(_:holdsFor:)`).
    public var rules: [Rule] {
        namespaceNames.indices.map { rule(at: $0) }
    }

    /// The rule of namespace `index` (allocates).
    func rule(at index: Int) -> Rule {
        Rule(
            conditions: self.index.conditions(of: index),
            namespace: namespaceNames[index],
            line: lines.isEmpty ? 0 : Int(lines[index]))
    }

    public var namespaceCount: Int { namespaceNames.count }

    public func id(of name: String) -> NamespaceID? {
        nameIndex.index(of: name, in: namespaceNames).map(NamespaceID.init)
    }

    public func name(of id: NamespaceID) -> String { namespaceNames[Int(id.index)] }

    /// Whether all conditions of namespace `id`'s rule hold for `identity`
    /// (no allocation).
    public func rule(_ id: NamespaceID, holdsFor identity: ProcessIdentity) -> Bool {
        index.rule(Int(id.index), holdsFor: identity)
    }

    /// Calls `body` once for each namespace `identity` belongs to, in no
    /// particular order, without allocating.
    public func forEachMatch(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        index.forEachMatch(identity, body)
    }

    /// The namespaces `identity` belongs to, ascending (allocates).
    public func matches(_ identity: ProcessIdentity) -> [NamespaceID] {
        var result: [NamespaceID] = []
        forEachMatch(identity) { result.append($0) }
        return result.sorted()
    }

    /// How this table's namespaces differ from `old`'s, by name (a
    /// namespace's identity across recompiles): `added` and `kept` in this
    /// table's order, `removed` in `old`'s.
    public func namespaceChanges(from old: DecisionTable) -> (added: [String], removed: [String], kept: [String]) {
        var added: [String] = []
        var kept: [String] = []
        for name in namespaceNames {
            if old.id(of: name) == nil { added.append(name) } else { kept.append(name) }
        }
        let removed = old.namespaceNames.filter { id(of: $0) == nil }
        return (added, removed, kept)
    }
}
