/// One rule that tests more than the IDs and the name, flattened.
struct ExtendedRule: Sendable {
    var conditions: [Condition]
    /// `loginuid N`, when `hasLoginUID`.
    var loginuid: UInt32
    var hasLoginUID: Bool
    /// Index into the table's executable patterns, or -1.
    var executable: Int32
    var isTree: Bool

    init(_ rule: Rule, executable: Int32) {
        conditions = rule.conditions
        loginuid = rule.loginuid ?? 0
        hasLoginUID = rule.loginuid != nil
        self.executable = executable
        isTree = rule.isTree
    }

    func holds(_ identity: ProcessIdentity, _ executables: ExecutableMatches) -> Bool {
        if hasLoginUID && identity.loginuid != loginuid { return false }
        if executable >= 0 && !executables.contains(executable) { return false }
        for condition in conditions where !condition.holds(for: identity) { return false }
        return true
    }
}

/// The rules with a fact beyond the IDs and the name (`tree`, `loginuid`,
/// `exe`): namespaces `first ..< first + count` of their table, indexed
/// apart so that the hashed index of plain rules stays as it was. Each rule
/// sits in one place: under its login UID (a sorted array: `loginuid *`
/// expands to one rule per user), else under its executable pattern, else
/// (a tree rule on IDs and names only) in an index of its own like the
/// plain rules'. Rules here are never grouped: each namespace leads itself.
struct ExtendedRules: Sendable {
    let first: Int
    let rules: [ExtendedRule]
    private let loginKeys: [UInt32]
    private let loginRules: [Int32]
    /// Per executable pattern: the rules without `loginuid` that test it.
    private let byExecutable: [[Int32]]
    /// Tree rules on IDs and names only.
    private let rootIndex: LookupIndex?
    private let rootGroups: RuleGroups
    /// `rootIndex`'s rule → rule here.
    private let rootRules: [Int32]

    init(first: Int, rules: [Rule], names: ArraySlice<String>, executables: (CommPattern) -> Int32, patternCount: Int) {
        self.first = first
        var flat: [ExtendedRule] = []
        flat.reserveCapacity(rules.count)
        var logins: [(UInt32, Int32)] = []
        var byExecutable = [[Int32]](repeating: [], count: patternCount)
        var roots: [Rule] = []
        var rootRules: [Int32] = []
        for (index, rule) in rules.enumerated() {
            let executable = rule.executable.map(executables) ?? -1
            flat.append(ExtendedRule(rule, executable: executable))
            if let loginuid = rule.loginuid {
                logins.append((loginuid, Int32(index)))
            } else if executable >= 0 {
                byExecutable[Int(executable)].append(Int32(index))
            } else {
                roots.append(Rule(conditions: rule.conditions, namespace: names[names.startIndex + index]))
                rootRules.append(Int32(index))
            }
        }
        logins.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        loginKeys = logins.map(\.0)
        loginRules = logins.map(\.1)
        self.rules = flat
        self.byExecutable = byExecutable
        self.rootRules = rootRules
        if roots.isEmpty {
            rootIndex = nil
            rootGroups = RuleGroups()
        } else {
            var builder = RuleBuilder(rules: roots)
            var index = LookupIndex(&builder)
            rootGroups = index.takeGroups()
            rootIndex = index
        }
    }

    var count: Int { rules.count }

    /// Calls `body` with the table's ID of every rule here that holds.
    @inline(__always)
    func forEachMatch(_ identity: ProcessIdentity, _ executables: ExecutableMatches, _ body: (NamespaceID) -> Void) {
        if let rootIndex {
            rootIndex.forEachMatchingGroup(identity) { leader in
                rootGroups.forEachMember(of: Int(leader.index)) { body(NamespaceID(first + Int(rootRules[$0]))) }
            }
        }
        if !loginKeys.isEmpty {
            var position = lowerBound(identity.loginuid)
            while position < loginKeys.count && loginKeys[position] == identity.loginuid {
                let rule = Int(loginRules[position])
                if rules[rule].holds(identity, executables) { body(NamespaceID(first + rule)) }
                position += 1
            }
        }
        executables.forEach { pattern in
            guard pattern < byExecutable.count else { return }
            for rule in byExecutable[pattern] where rules[Int(rule)].holds(identity, executables) {
                body(NamespaceID(first + Int(rule)))
            }
        }
    }

    private func lowerBound(_ key: UInt32) -> Int {
        var low = 0, high = loginKeys.count
        while low < high {
            let middle = (low + high) / 2
            if loginKeys[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
