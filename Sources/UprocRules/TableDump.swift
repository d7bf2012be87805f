extension DecisionTable {
    /// The table for people: per key, each value and the namespaces whose
    /// rule tests it, with the rule's other conditions in brackets:
    ///
    ///     uid 1000 -> alice alice.ssh [cmd sshd]
    ///     cmd sshd -> alice.ssh [uid 1000]
    ///
    /// Keys in the order uid, gid, ruid, rgid, cmd; IDs ascending; exact
    /// `cmd` values by bytes, then patterns in rule order. Then namespaces
    /// that share one rule (so one member list and one file), a line each:
    ///
    ///     same rule -> all.1 all.2 all.3
    package func dump() -> String {
        let rules = self.rules
        var out = ""
        for key in RuleKey.allCases {
            var ids: [UInt32: [Int]] = [:]
            var comms: [[UInt8]: [Int]] = [:]
            var patterns: [(CommPattern, [Int])] = []
            var patternIndex: [CommPattern: Int] = [:]
            for (index, rule) in rules.enumerated() {
                for condition in rule.conditions where condition.key == key {
                    switch condition {
                    case .id(_, let value): ids[value, default: []].append(index)
                    case .comm(let comm): comms[comm.bytes, default: []].append(index)
                    case .commPattern(let pattern):
                        if let at = patternIndex[pattern] {
                            patterns[at].1.append(index)
                        } else {
                            patternIndex[pattern] = patterns.count
                            patterns.append((pattern, [index]))
                        }
                    }
                }
            }
            for value in ids.keys.sorted() {
                out += line(Condition.id(key, value), ids[value]!, rules)
            }
            for bytes in comms.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                out += line(Condition.comm(Comm(bytes)), comms[bytes]!, rules)
            }
            for (pattern, indices) in patterns {
                out += line(Condition.commPattern(pattern), indices, rules)
            }
        }
        if hasGroups {
            for index in 0..<namespaceCount where isGroupLeader(NamespaceID(index)) {
                var names: [String] = []
                forEachNamespace(inGroupOf: NamespaceID(index)) { names.append(name(of: $0)) }
                if names.count > 1 { out += "same rule -> " + names.joined(separator: " ") + "\n" }
            }
        }
        return out
    }

    private func line(_ condition: Condition, _ ruleIndices: [Int], _ rules: [Rule]) -> String {
        var out = condition.description + " ->"
        for index in ruleIndices {
            out += " " + namespaceNames[index]
            let others = rules[index].conditions.filter { $0 != condition }
            if !others.isEmpty {
                out += " [" + others.map(\.description).joined(separator: " ") + "]"
            }
        }
        return out + "\n"
    }
}
