/// A rule that makes names from values: placeholders in its name, or a `*`
/// value (`uid * uid.{user}`, `cmd "*" cmd.{cmd}`), as written.
package struct RuleTemplate: Hashable, Sendable {
    package var isTree: Bool
    /// The conditions with one value or a glob, in source order.
    package var conditions: [Condition]
    /// The account keys whose value is `*` (any), in source order.
    package var stars: [ConfigKey]
    /// `loginuid N` with one value.
    package var loginuid: UInt32?
    package var executable: CommPattern?
    package var name: NameTemplate
    /// 1-based line in its source, 0 when built in code.
    package var line: Int

    package init(
        tree: Bool = false, conditions: [Condition], stars: [ConfigKey] = [], loginuid: UInt32? = nil,
        executable: CommPattern? = nil, name: NameTemplate, line: Int = 0
    ) {
        self.isTree = tree
        self.conditions = conditions
        self.stars = stars
        self.loginuid = loginuid
        self.executable = executable
        self.name = name
        self.line = line
    }

    /// The keys the rule tests (a `*` key reads its value too, for the name).
    package var keys: Set<ConfigKey> {
        var keys = Set(stars)
        for condition in conditions {
            switch condition.key {
            case .uid: keys.insert(.uid)
            case .gid: keys.insert(.gid)
            case .ruid: keys.insert(.ruid)
            case .rgid: keys.insert(.rgid)
            case .cmd: keys.insert(.cmd)
            }
        }
        if loginuid != nil { keys.insert(.loginuid) }
        if executable != nil { keys.insert(.exe) }
        return keys
    }

    /// The facts the rule and its name read.
    package var ruleKeys: RuleKeys {
        var result: RuleKeys = []
        for key in keys { result.insert(key.ruleKeys) }
        return result
    }

    /// Whether the name is made when the process appears (while it has
    /// members) rather than for every account at compile time: the name
    /// holds a glob's value (`{cmd}` of `cmd "*"`), or several keys are `*`.
    package var isDynamic: Bool {
        if stars.count > 1 { return true }
        for placeholder in name.placeholders where placeholder.form == .text {
            switch placeholder.key {
            case .cmd:
                if !conditions.contains(where: { if case .commPattern(let pattern) = $0 { pattern.literalBytes == nil } else { false } }) {
                    continue
                }
                return true
            case .exe:
                if executable?.literalBytes == nil { return true }
            default:
                break
            }
        }
        return false
    }

    /// The one value of an exact key of the rule (`uid 1000` gives 1000).
    func exactID(_ key: ConfigKey) -> UInt32? {
        if key == .loginuid { return loginuid }
        for condition in conditions {
            if case .id(let ruleKey, let value) = condition, ruleKey.rawValue == key.word { return value }
        }
        return nil
    }

    /// The bytes of the rule's one `cmd` or `exe` value, when it is not a glob.
    func exactText(_ key: ConfigKey) -> [UInt8]? {
        if key == .exe { return executable?.literalBytes }
        for condition in conditions {
            switch condition {
            case .comm(let comm): return comm.bytes
            case .commPattern(let pattern): return pattern.literalBytes
            default: continue
            }
        }
        return nil
    }

    /// The rule as a config line, without its line end.
    package var sourceBytes: [UInt8] {
        var out: [UInt8] = isTree ? Array("tree ".utf8) : []
        for condition in conditions { out += condition.sourceBytes + [UInt8(ascii: " ")] }
        for key in stars { out += Array("\(key.word) * ".utf8) }
        if let loginuid { out += Array("loginuid \(Rule.loginUIDText(loginuid)) ".utf8) }
        if let executable { out += Array("exe ".utf8) + Condition.quotedIfNeeded(executable.source) + [UInt8(ascii: " ")] }
        return out + name.sourceBytes
    }
}

extension RuleTemplate: CustomStringConvertible {
    package var description: String { ByteText.display(sourceBytes) }
}
