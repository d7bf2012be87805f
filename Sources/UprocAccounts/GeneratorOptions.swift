import UprocRules

/// What `uproc-genconf` puts in the config: which kinds of account, which
/// ID ranges, and the namespace name prefixes.
package struct GeneratorOptions: Hashable, Sendable {
    package var includeUsers: Bool
    package var includeGroups: Bool
    package var minUID: UInt32
    package var maxUID: UInt32
    package var minGID: UInt32
    package var maxGID: UInt32
    package var userPrefix: String
    package var groupPrefix: String

    package static let defaultUserPrefix = "uid."
    package static let defaultGroupPrefix = "gid."

    /// The largest ID a rule can name, as the rule compiler accepts it:
    /// 4294967295 is `(uid_t)-1`, the kernel's "no ID" (`setresuid(-1, …)`
    /// leaves an ID unchanged), never a real user's or group's. The
    /// default maximum of both ranges.
    package static let largestID: UInt32 = 4_294_967_294

    /// `(uid_t)-1` and `(gid_t)-1`: an account with this ID is skipped
    /// with a warning.
    package static let noID: UInt32 = .max

    package init(
        includeUsers: Bool = true, includeGroups: Bool = true,
        minUID: UInt32 = 0, maxUID: UInt32 = GeneratorOptions.largestID,
        minGID: UInt32 = 0, maxGID: UInt32 = GeneratorOptions.largestID,
        userPrefix: String = GeneratorOptions.defaultUserPrefix,
        groupPrefix: String = GeneratorOptions.defaultGroupPrefix
    ) {
        self.includeUsers = includeUsers
        self.includeGroups = includeGroups
        self.minUID = minUID
        self.maxUID = maxUID
        self.minGID = minGID
        self.maxGID = maxGID
        self.userPrefix = userPrefix
        self.groupPrefix = groupPrefix
    }

    package func includes(_ kind: AccountKind) -> Bool {
        kind == .user ? includeUsers : includeGroups
    }

    package func prefix(for kind: AccountKind) -> String {
        kind == .user ? userPrefix : groupPrefix
    }

    package func idRange(for kind: AccountKind) -> ClosedRange<UInt32>? {
        let (low, high) = kind == .user ? (minUID, maxUID) : (minGID, maxGID)
        return low <= high ? low...high : nil
    }

    /// Why these options cannot produce a config, as a usage error
    /// message, or nil when they can.
    package var problem: String? {
        if !includeUsers && !includeGroups { return "--users-only and --groups-only exclude each other" }
        for (flag, value) in [("--min-uid", minUID), ("--max-uid", maxUID), ("--min-gid", minGID), ("--max-gid", maxGID)]
        where value > Self.largestID {
            return "\(flag) \(value) is out of range (0 to \(Self.largestID))"
        }
        if minUID > maxUID { return "--min-uid \(minUID) is greater than --max-uid \(maxUID)" }
        if minGID > maxGID { return "--min-gid \(minGID) is greater than --max-gid \(maxGID)" }
        for (flag, prefix) in [("--prefix-user", userPrefix), ("--prefix-group", groupPrefix)] {
            // A prefix is the start of every name: it must be able to start
            // a valid one. Checked with a stand-in account name.
            let sample = Array(prefix.utf8) + Array("a".utf8)
            if let problem = NamespaceName.problem(with: sample) {
                return "\(flag) \(Quoting.quoted(prefix)) cannot start a namespace name: \(problem)"
            }
            if let problem = ConfigWord.problem(with: sample) {
                return "\(flag) \(Quoting.quoted(prefix)) cannot start a namespace name in uproc.conf: \(problem)"
            }
        }
        return nil
    }

    /// The options that differ from the defaults, as `uproc-genconf`
    /// arguments: the header records them so the output says how to
    /// regenerate it.
    package var arguments: [String] {
        var arguments: [String] = []
        if !includeGroups { arguments.append("--users-only") }
        if !includeUsers { arguments.append("--groups-only") }
        if includeUsers {
            if minUID != 0 { arguments += ["--min-uid", String(minUID)] }
            if maxUID != Self.largestID { arguments += ["--max-uid", String(maxUID)] }
            if userPrefix != Self.defaultUserPrefix { arguments += ["--prefix-user", ShellWord.quoted(userPrefix)] }
        }
        if includeGroups {
            if minGID != 0 { arguments += ["--min-gid", String(minGID)] }
            if maxGID != Self.largestID { arguments += ["--max-gid", String(maxGID)] }
            if groupPrefix != Self.defaultGroupPrefix { arguments += ["--prefix-group", ShellWord.quoted(groupPrefix)] }
        }
        return arguments
    }
}

/// Quotes an argument for a shell command line shown in a comment.
enum ShellWord {
    static func quoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || "._-/+=:@,".utf8.contains(byte)
        }
        if plain { return word }
        return "'" + ByteText.escaped(Array(word.utf8)).split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
