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
            endRule()
        }
    }

    var count: Int { names.count }

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
    mutating func endRule() {
        ends.append(Int32(truncatingIfNeeded: conditions.count))
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
