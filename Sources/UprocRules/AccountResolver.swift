/// Resolves user and group names in rules (`uid alice ns`) at compile time,
/// and lists the accounts an account template (`uid * uid.{user}`) expands
/// over.
package protocol AccountResolver: Sendable {
    func userID(named name: String) -> UInt32?
    func groupID(named name: String) -> UInt32?
    /// Every user (`.users`) or group (`.groups`), in the database's order;
    /// nil when this resolver cannot enumerate them (templates then cannot
    /// expand: the compiler reports it).
    func accounts(in database: AccountDatabase) -> [AccountName]?
}

extension AccountResolver {
    package func accounts(in database: AccountDatabase) -> [AccountName]? { nil }
}

/// `passwd` or `group`.
package enum AccountDatabase: String, Hashable, Sendable {
    case users
    case groups
}

/// One account as an enumeration lists it: its name's bytes (as the
/// database holds them, not necessarily UTF-8) and its ID.
package struct AccountName: Hashable, Sendable {
    package var name: [UInt8]
    package var id: UInt32

    package init(name: [UInt8], id: UInt32) {
        self.name = name
        self.id = id
    }

    package init(_ name: String, id: UInt32) {
        self.init(name: Array(name.utf8), id: id)
    }
}

/// A resolver that knows fixed names; tests and the embedded defaults use it.
/// It enumerates its accounts by ID, then name.
package struct StaticAccounts: AccountResolver {
    package var users: [String: UInt32]
    package var groups: [String: UInt32]

    package init(users: [String: UInt32] = [:], groups: [String: UInt32] = [:]) {
        self.users = users
        self.groups = groups
    }

    package func userID(named name: String) -> UInt32? { users[name] }
    package func groupID(named name: String) -> UInt32? { groups[name] }

    package func accounts(in database: AccountDatabase) -> [AccountName]? {
        (database == .users ? users : groups)
            .map { AccountName($0.key, id: $0.value) }
            .sorted { $0.id != $1.id ? $0.id < $1.id : $0.name.lexicographicallyPrecedes($1.name) }
    }
}
