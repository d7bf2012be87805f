extension DecisionTable {
    /// The one user whose processes alone namespace `id` can hold: its rule
    /// tests `uid N` or `ruid N` (all such conditions the same N). Nil for
    /// any other rule, and for a tree's (a descendant may run as anyone).
    /// Allocates (rebuilds the rule).
    package func selectedUser(of id: NamespaceID) -> UInt32? {
        let rule = rule(at: Int(id.index))
        guard !rule.isTree else { return nil }
        var user: UInt32?
        for condition in rule.conditions {
            guard case .id(let key, let value) = condition, key == .uid || key == .ruid else { continue }
            if let user, user != value { return nil }
            user = value
        }
        return user
    }
}

extension DynamicTemplate {
    /// The one user whose processes alone the namespace this template makes
    /// for `identity` can hold (its `uid` or `ruid` value, `*` or one
    /// number); nil for a tree's, or when the rule tests no user.
    package func selectedUser(for identity: ProcessIdentity) -> UInt32? {
        guard !isTree else { return nil }
        if rule.stars.contains(.uid) { return identity.euid }
        if rule.stars.contains(.ruid) { return identity.ruid }
        return rule.exactID(.uid) ?? rule.exactID(.ruid)
    }
}
