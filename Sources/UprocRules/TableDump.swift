extension DecisionTable {
    /// The table for people: per key, each value and the namespaces whose
    /// rule tests it, with the rule's other conditions in brackets:
    ///
    ///     uid 1000 -> alice alice.ssh [cmd sshd]
    ///     cmd sshd -> alice.ssh [uid 1000]
    ///
    /// Keys in the order uid, gid, ruid, rgid, cmd, loginuid, exe; IDs
    /// ascending; exact `cmd` values by bytes, then patterns in rule order.
    /// A tree rule's namespace is marked `(tree)`. Then namespaces that
    /// share one rule (so one member list and one file), a line each:
    ///
    ///     same rule -> all.1 all.2 all.3
    ///
    /// then the dynamic templates, whose namespaces come and go with their
    /// members, each with its line:
    ///
    ///     template line 3 -> cmd * cmd.{cmd}
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
                out += line(.condition(.id(key, value)), ids[value]!, rules)
            }
            for bytes in comms.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                out += line(.condition(.comm(Comm(bytes))), comms[bytes]!, rules)
            }
            for (pattern, indices) in patterns {
                out += line(.condition(.commPattern(pattern)), indices, rules)
            }
        }
        var logins: [UInt32: [Int]] = [:]
        var executables: [(CommPattern, [Int])] = []
        for (index, rule) in rules.enumerated() {
            if let loginuid = rule.loginuid { logins[loginuid, default: []].append(index) }
            if let executable = rule.executable {
                if let at = executables.firstIndex(where: { $0.0 == executable }) {
                    executables[at].1.append(index)
                } else {
                    executables.append((executable, [index]))
                }
            }
        }
        for value in logins.keys.sorted() {
            out += line(.loginuid, logins[value]!, rules)
        }
        for (pattern, indices) in executables {
            out += line(.executable, indices, rules)
        }
        if hasGroups {
            for index in 0..<namespaceCount where isGroupLeader(NamespaceID(index)) {
                var names: [String] = []
                forEachNamespace(inGroupOf: NamespaceID(index)) { names.append(name(of: $0)) }
                if names.count > 1 { out += "same rule -> " + names.joined(separator: " ") + "\n" }
            }
        }
        for template in templates {
            let numeric = template.uncovered.map { " (IDs without an account: \($0.word) *)" } ?? ""
            out += "template line \(template.rule.line) -> \(template.rule)\(numeric)\n"
        }
        return out
    }

    /// What one line of the dump is about.
    private enum Subject {
        case condition(Condition)
        case loginuid
        case executable

        var isLoginUID: Bool { if case .loginuid = self { true } else { false } }
        var isExecutable: Bool { if case .executable = self { true } else { false } }
    }

    /// `shown -> name [its other conditions]...`.
    private func line(_ subject: Subject, _ ruleIndices: [Int], _ rules: [Rule]) -> String {
        var out: String
        switch subject {
        case .condition(let condition): out = condition.description
        case .loginuid: out = "loginuid \(Rule.loginUIDText(rules[ruleIndices[0]].loginuid!))"
        case .executable: out = "exe " + ByteText.display(Condition.quotedIfNeeded(rules[ruleIndices[0]].executable!.source))
        }
        out += " ->"
        for index in ruleIndices {
            let rule = rules[index]
            out += " " + namespaceNames[index]
            if rule.isTree { out += " (tree)" }
            var rest: [String] = []
            for condition in rule.conditions {
                if case .condition(let shown) = subject, shown == condition { continue }
                rest.append(condition.description)
            }
            if let loginuid = rule.loginuid, !subject.isLoginUID { rest.append("loginuid \(Rule.loginUIDText(loginuid))") }
            if let executable = rule.executable, !subject.isExecutable {
                rest.append("exe " + ByteText.display(Condition.quotedIfNeeded(executable.source)))
            }
            if !rest.isEmpty { out += " [" + rest.joined(separator: " ") + "]" }
        }
        return out + "\n"
    }
}
