/// Which of a table's `exe` patterns an executable's path matches: worked
/// out once per distinct path (see `DecisionTable.executableMatches`), so
/// that classifying a process never matches a path again.
@usableFromInline package struct ExecutableMatches: Hashable, Sendable {
    @usableFromInline var words: [UInt64]

    /// No pattern: the path is unknown, or no rule tests `exe`. Computed
    /// (an empty array costs nothing) rather than stored: a stored static
    /// costs a once-check on every read.
    @inlinable package static var none: ExecutableMatches { ExecutableMatches(words: []) }

    @usableFromInline init(words: [UInt64]) { self.words = words }

    init(count: Int, _ matches: (Int) -> Bool) {
        var words = [UInt64](repeating: 0, count: (count + 63) / 64)
        for index in 0..<count where matches(index) { words[index / 64] |= 1 << UInt64(index % 64) }
        self.words = words.allSatisfy { $0 == 0 } ? [] : words
    }

    @inline(__always)
    func contains(_ index: Int32) -> Bool {
        let word = Int(index) / 64
        return index >= 0 && word < words.count && words[word] & (1 << UInt64(Int(index) % 64)) != 0
    }

    /// Calls `body` with each pattern matched.
    func forEach(_ body: (Int) -> Void) {
        for (position, word) in words.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                body(position * 64 + rest.trailingZeroBitCount)
                rest &= rest - 1
            }
        }
    }
}

/// Account names by ID, for the names dynamic templates make at run time
/// (`{user}` of `uid * cmd "*" {user}.{cmd}`): the first account of each ID,
/// as `getpwuid` gives it.
struct AccountNames: Sendable {
    var users: [UInt32: [UInt8]] = [:]
    var groups: [UInt32: [UInt8]] = [:]

    func name(_ id: UInt32, users: Bool) -> [UInt8]? { users ? self.users[id] : groups[id] }
}

/// A template whose names come and go with the processes: one namespace per
/// distinct value while it has members (`cmd "*" cmd.{cmd}`), or the
/// numeric names of an account template (`uid.4242` for a UID without an
/// account, `uncovered`). A class: a classification reads it in place.
package final class DynamicTemplate: Sendable {
    /// The template as written.
    package let rule: RuleTemplate
    /// For the numeric names of an account template: the `*` key, whose
    /// values with an account (`covered`) it leaves to the expansions.
    package let uncovered: ConfigKey?
    /// Ascending.
    let covered: [UInt32]
    /// Index into the table's executable patterns, or -1.
    let executable: Int32

    init(rule: RuleTemplate, uncovered: ConfigKey? = nil, covered: [UInt32] = [], executable: Int32) {
        self.rule = rule
        self.uncovered = uncovered
        self.covered = covered
        self.executable = executable
        isTree = rule.isTree
    }

    package let isTree: Bool

    /// Whether a process with these facts matches (it then belongs to the
    /// namespace its values name).
    func matches(_ identity: ProcessIdentity, _ executable: ExecutableMatches) -> Bool {
        if let loginuid = rule.loginuid, identity.loginuid != loginuid { return false }
        if self.executable >= 0 && !executable.contains(self.executable) { return false }
        if let uncovered, Self.isCovered(Self.id(uncovered, of: identity), in: covered) { return false }
        for condition in rule.conditions where !condition.holds(for: identity) { return false }
        return true
    }

    /// The value of an account key.
    static func id(_ key: ConfigKey, of identity: ProcessIdentity) -> UInt32 {
        switch key {
        case .uid: identity.euid
        case .gid: identity.egid
        case .ruid: identity.ruid
        case .rgid: identity.rgid
        default: identity.loginuid
        }
    }

    private static func isCovered(_ id: UInt32, in covered: [UInt32]) -> Bool {
        var low = 0, high = covered.count
        while low < high {
            let middle = (low + high) / 2
            if covered[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < covered.count && covered[low] == id
    }

    /// The name for a process with these facts (see `NameTemplate.expand`).
    func name(
        for identity: ProcessIdentity, executable path: [UInt8]?, accounts: AccountNames, into out: inout [UInt8],
        scratch: inout [UInt8]
    ) -> Bool {
        rule.name.expand(into: &out, scratch: &scratch) { placeholder, value in
            switch placeholder.form {
            case .text:
                if placeholder.key == .cmd {
                    for index in 0..<identity.comm.count { value.append(identity.comm[index]) }
                } else if let path {
                    value += path
                }
            case .name, .number:
                let id = Self.id(placeholder.key, of: identity)
                if placeholder.form == .name, placeholder.key != uncovered,
                   let name = accounts.name(id, users: placeholder.key.namesUsers) {
                    value += name
                } else {
                    DecimalText.append(id, to: &value)
                }
            }
        }
    }
}
