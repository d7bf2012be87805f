/// Resolves user and group names in rules (`uid alice ns`) at compile time.
public protocol AccountResolver: Sendable {
    func userID(named name: String) -> UInt32?
    func groupID(named name: String) -> UInt32?
}

/// A resolver that knows fixed names; tests and the embedded defaults use it.
public struct StaticAccounts: AccountResolver {
    public var users: [String: UInt32]
    public var groups: [String: UInt32]

    public init(users: [String: UInt32] = [:], groups: [String: UInt32] = [:]) {
        self.users = users
        self.groups = groups
    }

    public func userID(named name: String) -> UInt32? { users[name] }
    public func groupID(named name: String) -> UInt32? { groups[name] }
}
