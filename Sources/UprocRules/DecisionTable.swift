/// The compiled rules: given a process identity, which namespaces hold it.
///
/// Each rule is indexed under exactly one of its exact values (the one
/// shared by the fewest rules), in a hash table per key; rules with only
/// `cmd` patterns sit in a side list. A lookup probes one table per key in
/// use, checks each candidate's other conditions, then the side list: a
/// rule, and so a namespace, is yielded at most once.
public struct DecisionTable: Sendable {
    /// Namespace names; `NamespaceID.index` indexes this array.
    public let namespaceNames: [String]
    /// The rules, one per namespace, in the same order.
    public let rules: [Rule]
    /// Which facts any rule looks at: the daemon skips `/proc` reads that
    /// no rule depends on.
    public let usedKeys: RuleKeys
    private let indexByName: [String: Int32]
    private let index: LookupIndex

    /// Builds a table from already validated rules (unique namespace names).
    public init(rules: [Rule]) {
        var indexByName: [String: Int32] = [:]
        indexByName.reserveCapacity(rules.count)
        for (index, rule) in rules.enumerated() {
            precondition(indexByName[rule.namespace] == nil, "duplicate namespace \(rule.namespace)")
            indexByName[rule.namespace] = Int32(index)
        }
        self.init(validatedRules: rules, indexByName: indexByName)
    }

    /// The compiler's path: names already checked unique and indexed.
    init(validatedRules rules: [Rule], indexByName: [String: Int32]) {
        self.rules = rules
        self.namespaceNames = rules.map(\.namespace)
        self.indexByName = indexByName
        self.index = LookupIndex(rules: rules)
        var keys: RuleKeys = []
        for rule in rules {
            for condition in rule.conditions { keys.insert(RuleKeys(condition.key)) }
        }
        self.usedKeys = keys
    }

    public var namespaceCount: Int { namespaceNames.count }

    public func id(of name: String) -> NamespaceID? {
        indexByName[name].map(NamespaceID.init)
    }

    public func name(of id: NamespaceID) -> String { namespaceNames[Int(id.index)] }

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
            if old.indexByName[name] == nil { added.append(name) } else { kept.append(name) }
        }
        let removed = old.namespaceNames.filter { indexByName[$0] == nil }
        return (added, removed, kept)
    }
}
