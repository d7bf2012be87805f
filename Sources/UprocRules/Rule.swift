/// A key a rule can test.
package enum RuleKey: String, CaseIterable, Sendable, Hashable {
    /// Effective UID (as `pgrep -u` and the original uprocfs).
    case uid
    /// Effective GID.
    case gid
    /// Real UID.
    case ruid
    /// Real GID.
    case rgid
    /// The name `/proc` shows (the kernel's `comm`, or a kernel thread's
    /// longer name): what `pgrep -x` matches.
    case cmd

    /// 0...4 in declaration order: the bit of `RuleKeys`, the table of `IndexSlot`.
    @inlinable
    package var index: UInt8 {
        switch self {
        case .uid: 0
        case .gid: 1
        case .ruid: 2
        case .rgid: 3
        case .cmd: 4
        }
    }
}

/// A set of rule keys: which facts about a process any rule depends on.
package struct RuleKeys: OptionSet, Hashable, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let uid = RuleKeys(rawValue: 1 << 0)
    package static let gid = RuleKeys(rawValue: 1 << 1)
    package static let ruid = RuleKeys(rawValue: 1 << 2)
    package static let rgid = RuleKeys(rawValue: 1 << 3)
    package static let cmd = RuleKeys(rawValue: 1 << 4)

    package static let ids: RuleKeys = [.uid, .gid, .ruid, .rgid]

    package init(_ key: RuleKey) { self.init(rawValue: 1 << key.index) }
}

/// One `key value` pair of a rule, with its value resolved.
package enum Condition: Hashable, Sendable {
    /// `uid`, `gid`, `ruid` or `rgid` equal to a number.
    case id(RuleKey, UInt32)
    /// `cmd` equal to these bytes (a value over 15 bytes, which only a
    /// kernel thread's name can equal, is compiled as a pattern of its
    /// literal bytes).
    case comm(Comm)
    /// `cmd` matching a glob pattern.
    case commPattern(CommPattern)

    package var key: RuleKey {
        switch self {
        case .id(let key, _): return key
        case .comm, .commPattern: return .cmd
        }
    }

    /// Whether `identity` satisfies this condition.
    @inlinable
    package func holds(for identity: ProcessIdentity) -> Bool {
        switch self {
        case .id(let key, let value):
            switch key {
            case .uid: return identity.euid == value
            case .gid: return identity.egid == value
            case .ruid: return identity.ruid == value
            case .rgid: return identity.rgid == value
            case .cmd: return false
            }
        case .comm(let comm): return identity.comm.is(comm)
        case .commPattern(let pattern): return pattern.matches(identity.comm)
        }
    }
}

/// A compiled rule: all conditions must hold; the process then belongs to
/// `namespace`.
package struct Rule: Hashable, Sendable {
    package var conditions: [Condition]
    package var namespace: String
    /// 1-based line of the rule in its source, 0 when built in code.
    package var line: Int

    package init(conditions: [Condition], namespace: String, line: Int = 0) {
        self.conditions = conditions
        self.namespace = namespace
        self.line = line
    }
}
