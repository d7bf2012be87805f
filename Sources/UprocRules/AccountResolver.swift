/// Resolves user and group names in rules (`uid alice ns`) at compile time.
package protocol AccountResolver: Sendable {
    func userID(named name: String) -> UInt32?
    func groupID(named name: String) -> UInt32?
}

/// A resolver that knows fixed names; tests and the embedded defaults use it.
package struct StaticAccounts: AccountResolver {
    package var users: [String: UInt32]
    package var groups: [String: UInt32]

    package init(users: [String: UInt32] = [:], groups: [String: UInt32] = [:]) {
        self.users = users
        self.groups = groups
    }

    package func userID(named name: String) -> UInt32? { users[name] }
    package func groupID(named name: String) -> UInt32? { groups[name] }
}
