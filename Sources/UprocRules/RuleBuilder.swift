/// Rules as the compiler collects them, flat: one condition list for all
/// rules and per-rule offsets, where a `[Rule]` holds a heap array per
/// rule (what made compiling a large config peak far above its table).
/// The name index built here, for duplicate detection, becomes the
/// table's.
struct RuleBuilder: Sendable {
    /// Defined names, in order; also the table's names.
    private(set) var names: [String] = []
    /// Each definition's source line.
    private(set) var lines: [Int32] = []
    /// All rules' conditions, in rule then source order.
    var conditions: [Condition] = []
    /// Where each rule's conditions end in `conditions`.
    private(set) var ends: [Int32] = []
    private(set) var nameIndex: NameIndex
    private var anyLine = false
    /// Per rule, its facts beyond the conditions; empty while every rule
    /// is plain (the common case).
    private(set) var extras: [RuleExtras] = []

    /// Room for `capacity` rules.
    init(capacity: Int) {
        nameIndex = NameIndex(capacity: capacity)
        names.reserveCapacity(capacity)
        lines.reserveCapacity(capacity)
        ends.reserveCapacity(capacity)
        conditions.reserveCapacity(capacity)
    }

    /// Rules built in code; they must have unique names.
    init(rules: [Rule]) {
        self.init(capacity: rules.count)
        conditions.reserveCapacity(rules.reduce(0) { $0 + $1.conditions.count })
        for rule in rules {
            conditions.append(contentsOf: rule.conditions)
            let existing = define(rule.namespace, line: rule.line)
            precondition(existing == nil, "duplicate namespace \(rule.namespace)")
            endRule(RuleExtras(rule))
        }
    }

    /// The rules whose conditions are recorded: after `partition`, the
    /// plain ones (the names after them are the extended rules').
    var count: Int { ends.count }

    /// Whether some rule is not plain (`extras` then has one per rule).
    private(set) var hasExtended = false

    /// Records `name` as defined on `line`; returns the index of an earlier
    /// definition of the same name instead (nothing recorded then). After
    /// a definition, `endRule` closes its conditions.
    mutating func define(_ name: String, line: Int) -> Int32? {
        if !nameIndex.holds(names.count + 1) { grow() }
        names.append(name)
        if let existing = nameIndex.insert(Int32(truncatingIfNeeded: names.count - 1), in: names) {
            names.removeLast()
            return existing
        }
        lines.append(Int32(truncatingIfNeeded: line))
        if line != 0 { anyLine = true }
        return nil
    }

    /// Ends the last defined rule's conditions at the end of `conditions`.
    mutating func endRule(_ ruleExtras: RuleExtras = .plain) {
        ends.append(Int32(truncatingIfNeeded: conditions.count))
        if !ruleExtras.isPlain && !hasExtended {
            hasExtended = true
            extras = Array(repeating: .plain, count: ends.count - 1)
            extras.reserveCapacity(names.capacity)
        }
        if hasExtended { extras.append(ruleExtras) }
    }

    /// Puts the plain rules first (the hashed index takes rules `0..<count`)
    /// and returns the others, in order; their names follow the plain ones'.
    /// Nothing moves when every rule is plain.
    mutating func partition() -> [Rule] {
        guard hasExtended else { return [] }
        var plain = RuleBuilder(capacity: names.count)
        var extended: [Rule] = []
        for index in names.indices where extras[index].isPlain {
            plain.conditions.append(contentsOf: conditions(of: index))
            _ = plain.define(names[index], line: Int(lines[index]))
            plain.endRule()
        }
        for index in names.indices where !extras[index].isPlain {
            let extra = extras[index]
            extended.append(Rule(
                tree: extra.isTree, conditions: Array(conditions(of: index)), loginuid: extra.loginuid,
                executable: extra.executable, namespace: names[index], line: Int(lines[index])))
            _ = plain.define(names[index], line: Int(lines[index]))
        }
        plain.anyLine = anyLine
        self = plain
        return extended
    }

    /// The source line of definition `index`.
    func line(of index: Int) -> Int { Int(lines[index]) }

    /// Rule `index`'s conditions.
    func conditions(of index: Int) -> ArraySlice<Condition> {
        let start = index == 0 ? 0 : Int(ends[index - 1])
        return conditions[start..<Int(ends[index])]
    }

    /// Frees the conditions once indexed (the table keeps its own form).
    mutating func dropConditions() {
        conditions = []
        ends = []
    }

    /// The lines, or empty when every line is 0 (rules built in code).
    var tableLines: [Int32] { anyLine ? lines : [] }

    /// Doubles the name index's room (names were not counted ahead).
    private mutating func grow() {
        var bigger = NameIndex(capacity: max(8, names.count * 2))
        for index in names.indices { _ = bigger.insert(Int32(index), in: names) }
        nameIndex = bigger
    }
}

/// A rule's facts beyond its conditions on IDs and names.
struct RuleExtras: Hashable, Sendable {
    var loginuid: UInt32?
    var executable: CommPattern?
    var isTree = false

    static let plain = RuleExtras()

    init(loginuid: UInt32? = nil, executable: CommPattern? = nil, isTree: Bool = false) {
        self.loginuid = loginuid
        self.executable = executable
        self.isTree = isTree
    }

    init(_ rule: Rule) {
        self.init(loginuid: rule.loginuid, executable: rule.executable, isTree: rule.isTree)
    }

    var isPlain: Bool { loginuid == nil && executable == nil && !isTree }
}
