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
    /// The audit login UID (`/proc/PID/loginuid`), read at exec, inherited at fork.
    package static let loginuid = RuleKeys(rawValue: 1 << 5)
    /// The executable's path (`readlink /proc/PID/exe`), read at exec, inherited at fork.
    package static let exe = RuleKeys(rawValue: 1 << 6)

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
/// `namespace`. A tree rule's conditions pick its roots: the namespace
/// holds them and every descendant (see `isTree`).
package struct Rule: Hashable, Sendable {
    /// The conditions on the IDs and the name (what `DecisionTable`'s
    /// hashed index serves).
    package var conditions: [Condition]
    /// `loginuid N`: the audit login UID must be N (4294967295: unset).
    package var loginuid: UInt32?
    /// `exe GLOB`: the executable's path must match.
    package var executable: CommPattern?
    /// `tree ...`: the rule's matches are roots; the namespace holds them
    /// and all their descendants, each until it exits.
    package var isTree: Bool
    package var namespace: String
    /// 1-based line of the rule in its source, 0 when built in code.
    package var line: Int

    package init(conditions: [Condition], namespace: String, line: Int = 0) {
        self.init(tree: false, conditions: conditions, namespace: namespace, line: line)
    }

    package init(
        tree: Bool, conditions: [Condition], loginuid: UInt32? = nil, executable: CommPattern? = nil,
        namespace: String, line: Int = 0
    ) {
        self.conditions = conditions
        self.loginuid = loginuid
        self.executable = executable
        self.isTree = tree
        self.namespace = namespace
        self.line = line
    }

    /// Only conditions on IDs and the name: what the hashed index serves alone.
    package var isPlain: Bool { !isTree && loginuid == nil && executable == nil }

    /// The facts this rule tests.
    package var keys: RuleKeys {
        var keys: RuleKeys = []
        for condition in conditions { keys.insert(RuleKeys(condition.key)) }
        if loginuid != nil { keys.insert(.loginuid) }
        if executable != nil { keys.insert(.exe) }
        return keys
    }

    /// Whether the process with `identity` running `executable` (its path,
    /// nil when unknown) satisfies every condition: for a tree rule, whether
    /// it is a root.
    package func holds(for identity: ProcessIdentity, executable path: [UInt8]?) -> Bool {
        if let loginuid, identity.loginuid != loginuid { return false }
        if let executable {
            guard let path, executable.matches(path: path) else { return false }
        }
        return conditions.allSatisfy { $0.holds(for: identity) }
    }
}
