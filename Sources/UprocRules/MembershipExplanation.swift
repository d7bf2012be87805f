/// Why a live process is, or is not, in each namespace: what
/// `uproc-check --explain PID` prints after checking the rules.
package enum MembershipExplanation {
    /// Near misses listed at most; a big generated config can have many.
    package static let nearMissLimit = 50

    /// The process's facts, the namespaces it is in with the rule that put
    /// it there, and the rules it missed by some but not all conditions,
    /// each with the conditions that failed.
    /// `executable`: the process's (the target of `/proc/PID/exe`), for
    /// `exe` rules; a tree rule that holds lists a root.
    package static func explain(pid: Int32, identity: ProcessIdentity, executable: [UInt8]? = nil, table: DecisionTable) -> String {
        var out = "process \(pid): comm '\(identity.comm)', uid \(identity.euid), gid \(identity.egid), "
            + "ruid \(identity.ruid), rgid \(identity.rgid)"
        if table.usedKeys.contains(.loginuid) { out += ", loginuid \(Rule.loginUIDText(identity.loginuid))" }
        if table.usedKeys.contains(.exe) { out += ", exe " + (executable.map { "'\(ByteText.display($0))'" } ?? "unknown") }
        out += "\n"
        let rules = table.rules
        let members = table.matches(identity, executable: executable.map { table.executableMatches(path: $0) } ?? ExecutableMatches(words: []))
        out += members.isEmpty ? "in no namespace\n" : "in \(members.count) namespace\(members.count == 1 ? "" : "s"):\n"
        for id in members {
            out += "  \(line(rules[Int(id.index)]))\n"
        }
        // Names templates make for it (a tree template's: as a root).
        var made: [String] = []
        var name: [UInt8] = []
        let matches = executable.map { table.executableMatches(path: $0) } ?? .none
        for (index, template) in table.templates.enumerated()
        where table.templateName(index, for: identity, executable: matches, path: executable, into: &name) {
            let rule = template.rule
            made.append("  \(rule.line > 0 ? "line \(rule.line): " : "")\(rule) -> \(ByteText.display(name))\(template.isTree ? " (a root)" : "")")
        }
        if !made.isEmpty { out += "in template namespaces:\n" + made.joined(separator: "\n") + "\n" }
        var misses: [String] = []
        var missCount = 0
        for rule in rules where rule.conditions.count > 1 {
            let failing = rule.conditions.filter { !$0.holds(for: identity) }
            guard !failing.isEmpty, failing.count < rule.conditions.count else { continue }
            missCount += 1
            if misses.count < nearMissLimit {
                misses.append("  \(line(rule)): " + failing.map { reason($0, identity) }.joined(separator: ", "))
            }
        }
        if missCount > 0 {
            out += "near misses (some conditions hold, not all):\n" + misses.joined(separator: "\n") + "\n"
            if missCount > misses.count { out += "  ... and \(missCount - misses.count) more\n" }
        }
        return out
    }

    package static func line(_ rule: Rule) -> String {
        (rule.line > 0 ? "line \(rule.line): " : "") + rule.description
    }

    /// Why one condition fails, in the process's own terms.
    static func reason(_ condition: Condition, _ identity: ProcessIdentity) -> String {
        switch condition {
        case .id(let key, let value):
            let actual: UInt32
            switch key {
            case .uid: actual = identity.euid
            case .gid: actual = identity.egid
            case .ruid: actual = identity.ruid
            case .rgid: actual = identity.rgid
            case .cmd: actual = 0
            }
            return "\(key.rawValue) is \(actual), not \(value)"
        case .comm(let comm):
            return "comm is '\(identity.comm)', not '\(comm)'"
        case .commPattern(let pattern):
            return "comm '\(identity.comm)' does not match '\(ByteText.display(pattern.source))'"
        }
    }
}
