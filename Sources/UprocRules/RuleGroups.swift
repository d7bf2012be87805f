/// Namespaces whose rules have the same conditions (in any order) always
/// have the same members, so the daemon keeps one member list and writes one
/// file (hard-linked under every name) per group: 1,000 rules `cmd "*" nsN`
/// cost one sorted insert per event, not 1,000. A group's leader is its
/// first namespace; only leaders are indexed for lookups.
///
/// Empty when every rule differs (the common case): no memory, and every
/// namespace leads its own group.
struct RuleGroups: Sendable {
    /// Per rule: its group's leader; empty when every rule differs.
    private var leaders: [Int32] = []
    /// Per rule: the next rule of its group, or -1; empty when every rule differs.
    private var next: [Int32] = []

    init() {}

    /// Groups `count` rules by their canonical form: `head` for the rules
    /// that have one (one exact id condition), else `signature`; a rule
    /// with neither (a key tested twice) stays alone.
    init(count: Int, head: (Int) -> UInt64?, signature: (Int) -> RuleSignature?) {
        var byHead = HeadTable(capacity: count)
        var bySignature: [RuleSignature: Int32] = [:]
        var leaders: [Int32] = []
        for rule in 0..<count {
            var leader = Int32(truncatingIfNeeded: rule)
            if let head = head(rule) {
                leader = byHead.firstRule(with: head, else: leader)
            } else if let signature = signature(rule) {
                if let first = bySignature[signature] { leader = first } else { bySignature[signature] = leader }
            }
            if leader != Int32(truncatingIfNeeded: rule) && leaders.isEmpty {
                // The first shared rule: the rules before it all lead.
                leaders = (0..<Int32(truncatingIfNeeded: count)).map { $0 }
            }
            if !leaders.isEmpty { leaders[rule] = leader }
        }
        guard !leaders.isEmpty else { return }
        // Chain each group in ascending order.
        var last = leaders
        next = Array(repeating: -1, count: count)
        for rule in 0..<count where leaders[rule] != Int32(truncatingIfNeeded: rule) {
            let leader = Int(leaders[rule])
            next[Int(last[leader])] = Int32(truncatingIfNeeded: rule)
            last[leader] = Int32(truncatingIfNeeded: rule)
        }
        self.leaders = leaders
    }

    /// Whether some namespaces share a rule.
    var isEmpty: Bool { leaders.isEmpty }

    func leader(of rule: Int) -> Int { leaders.isEmpty ? rule : Int(leaders[rule]) }

    func isLeader(_ rule: Int) -> Bool { leaders.isEmpty || Int(leaders[rule]) == rule }

    /// Calls `body` with each rule of `leader`'s group, ascending (the
    /// leader first).
    func forEachMember(of leader: Int, _ body: (Int) -> Void) {
        body(leader)
        guard !next.isEmpty else { return }
        var rule = Int(next[leader])
        while rule >= 0 {
            body(rule)
            rule = Int(next[rule])
        }
    }
}

/// Head (a non-zero word: one exact id condition) → the first rule with
/// it: open addressing over a power-of-two table with a multiplicative hash
/// (a `Dictionary`'s SipHash made grouping 100,000 rules cost a fifth of
/// their compile time).
private struct HeadTable {
    private var heads: [UInt64]
    private var rules: [Int32]
    private let shift: UInt64

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        heads = Array(repeating: 0, count: size)
        rules = Array(repeating: 0, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// The first rule recorded with `head`; records `rule` when there is none.
    mutating func firstRule(with head: UInt64, else rule: Int32) -> Int32 {
        let mask = heads.count - 1
        var slot = Int(truncatingIfNeeded: (head &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            if heads[slot] == head { return rules[slot] }
            if heads[slot] == 0 {
                heads[slot] = head
                rules[slot] = rule
                return rule
            }
            slot = (slot + 1) & mask
        }
    }
}

/// A rule's conditions in a form equal for equal rules whatever their
/// order: the keys tested and their values (zero for keys not tested), the
/// exact `cmd` and a pattern's source.
struct RuleSignature: Hashable, Sendable {
    var keys: UInt8
    var euid: UInt32
    var egid: UInt32
    var ruid: UInt32
    var rgid: UInt32
    var comm: Comm
    var pattern: [UInt8]?
}
