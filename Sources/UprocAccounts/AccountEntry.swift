import UprocRules

/// Which database an account comes from.
public enum AccountKind: String, Hashable, Sendable {
    /// `/etc/passwd` or NSS `passwd`: the ID is a UID.
    case user
    /// `/etc/group` or NSS `group`: the ID is a GID.
    case group

    /// The rule key that tests this kind of ID.
    public var ruleKey: RuleKey {
        switch self {
        case .user: return .uid
        case .group: return .gid
        }
    }

    /// How the ID is called in messages.
    public var idName: String {
        switch self {
        case .user: return "UID"
        case .group: return "GID"
        }
    }
}

/// One user or group: its name as the bytes of the database, its ID, and
/// where it was read (for warnings).
public struct AccountEntry: Hashable, Sendable {
    /// The name's bytes; not necessarily UTF-8 until checked.
    public var name: [UInt8]
    public var id: UInt32
    public var origin: AccountOrigin

    public init(name: [UInt8], id: UInt32, origin: AccountOrigin) {
        self.name = name
        self.id = id
        self.origin = origin
    }

    public init(name: String, id: UInt32, origin: AccountOrigin) {
        self.init(name: Array(name.utf8), id: id, origin: origin)
    }
}

/// Where an account or a warning comes from: a file and a 1-based line,
/// or a name-service database, which has no lines.
public struct AccountOrigin: Hashable, Sendable, CustomStringConvertible {
    /// The file's path as given, or the NSS database (`NSS passwd`).
    public var source: String
    /// 1-based line, or nil when the source has no lines (NSS).
    public var line: Int?

    public init(source: String, line: Int?) {
        self.source = source
        self.line = line
    }

    /// `path:line` (or just the source without a line), as compilers print
    /// positions.
    public var description: String {
        guard let line else { return source }
        return "\(source):\(line)"
    }
}

/// A problem with the input that did not stop generation: the account or
/// line it names is left out of the output.
public struct AccountWarning: Hashable, Sendable, CustomStringConvertible {
    public var origin: AccountOrigin
    public var message: String

    public init(origin: AccountOrigin, message: String) {
        self.origin = origin
        self.message = message
    }

    /// `file:line: warning: message`.
    public var description: String { "\(origin): warning: \(message)" }
}
