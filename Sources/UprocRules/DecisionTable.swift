/// The compiled rules: given a process identity, which namespaces hold it.
///
/// CONTRACT (issue 2 replaces the internals with the hashed table of
/// DESIGN.md; the public API below is what the tracker and daemon use).
public struct DecisionTable: Sendable {
    /// Namespace names; `NamespaceID.index` indexes this array.
    public let namespaceNames: [String]
    /// The rules, one per namespace, in the same order.
    public let rules: [Rule]
    /// Which facts any rule looks at: the daemon skips `/proc` reads that
    /// no rule depends on.
    public let usedKeys: RuleKeys
    private let indexByName: [String: Int32]

    /// Builds a table from already validated rules (unique namespace names).
    public init(rules: [Rule]) {
        self.rules = rules
        self.namespaceNames = rules.map(\.namespace)
        var keys: RuleKeys = []
        var indexByName: [String: Int32] = [:]
        for (index, rule) in rules.enumerated() {
            precondition(indexByName[rule.namespace] == nil, "duplicate namespace \(rule.namespace)")
            indexByName[rule.namespace] = Int32(index)
            for condition in rule.conditions { keys.insert(RuleKeys(condition.key)) }
        }
        self.usedKeys = keys
        self.indexByName = indexByName
    }

    public var namespaceCount: Int { namespaceNames.count }

    public func id(of name: String) -> NamespaceID? {
        indexByName[name].map(NamespaceID.init)
    }

    public func name(of id: NamespaceID) -> String { namespaceNames[Int(id.index)] }

    /// Calls `body` once for each namespace `identity` belongs to, in no
    /// particular order, without allocating.
    @inlinable
    public func forEachMatch(_ identity: ProcessIdentity, _ body: (NamespaceID) -> Void) {
        for index in rules.indices where rules[index].conditions.allSatisfy({ $0.holds(for: identity) }) {
            body(NamespaceID(index))
        }
    }

    /// The namespaces `identity` belongs to, ascending (allocates).
    public func matches(_ identity: ProcessIdentity) -> [NamespaceID] {
        var result: [NamespaceID] = []
        forEachMatch(identity) { result.append($0) }
        return result.sorted()
    }
}
