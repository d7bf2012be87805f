import UprocRules

/// Which database an account comes from.
package enum AccountKind: String, Hashable, Sendable {
    /// `/etc/passwd` or NSS `passwd`: the ID is a UID.
    case user
    /// `/etc/group` or NSS `group`: the ID is a GID.
    case group

    /// The rule key that tests this kind of ID.
    package var ruleKey: RuleKey {
        switch self {
        case .user: return .uid
        case .group: return .gid
        }
    }

    /// How the ID is called in messages.
    package var idName: String {
        switch self {
        case .user: return "UID"
        case .group: return "GID"
        }
    }
}

/// One user or group: its name as the bytes of the database, its ID, and
/// where it was read (for warnings).
package struct AccountEntry: Hashable, Sendable {
    /// The name's bytes; not necessarily UTF-8 until checked.
    package var name: [UInt8]
    package var id: UInt32
    package var origin: AccountOrigin

    package init(name: [UInt8], id: UInt32, origin: AccountOrigin) {
        self.name = name
        self.id = id
        self.origin = origin
    }

    package init(name: String, id: UInt32, origin: AccountOrigin) {
        self.init(name: Array(name.utf8), id: id, origin: origin)
    }
}

/// Where an account or a warning comes from: a file and a 1-based line,
/// or a name-service database, which has no lines.
package struct AccountOrigin: Hashable, Sendable, CustomStringConvertible {
    /// The file's path as given, or the NSS database (`NSS passwd`).
    package var source: String
    /// 1-based line, or nil when the source has no lines (NSS).
    package var line: Int?

    package init(source: String, line: Int?) {
        self.source = source
        self.line = line
    }

    /// `path:line` (or just the source without a line), as compilers print
    /// positions.
    package var description: String {
        guard let line else { return source }
        return "\(source):\(line)"
    }
}

/// A problem with the input that did not stop generation: the account or
/// line it names is left out of the output.
package struct AccountWarning: Hashable, Sendable, CustomStringConvertible {
    package var origin: AccountOrigin
    package var message: String

    package init(origin: AccountOrigin, message: String) {
        self.origin = origin
        self.message = message
    }

    /// `file:line: warning: message`.
    package var description: String { "\(origin): warning: \(message)" }
}
