extension DecisionTable {
    /// The one user whose processes alone namespace `id` can hold: its rule
    /// tests `uid N` or `ruid N` (all such conditions the same N). Nil for
    /// any other rule. Allocates (rebuilds the rule).
    package func selectedUser(of id: NamespaceID) -> UInt32? {
        var user: UInt32?
        for condition in rule(at: Int(id.index)).conditions {
            guard case .id(let key, let value) = condition, key == .uid || key == .ruid else { continue }
            if let user, user != value { return nil }
            user = value
        }
        return user
    }
}
