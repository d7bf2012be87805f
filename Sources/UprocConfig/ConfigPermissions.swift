import UprocLinux

/// Whoever can write the rules decides which processes root's scripts
/// kill: like sshd's StrictModes, warn when the config, a file its symlinks
/// lead to, or a directory holding one of them is owned by someone other
/// than root or the daemon's user, or is writable by group or others.
package enum ConfigPermissions {
    /// One sentence per problem; empty when all is well.
    package static func problems(chain: [String]) -> [String] {
        let trusted: Set<UInt32> = [0, FileOwnership.effectiveUserID]
        var result: [String] = []
        var checked: Set<String> = []
        for (index, path) in chain.enumerated() {
            // A symlink's own bits mean nothing; whoever can replace it is
            // whoever can write its directory. The last hop is the file.
            var subjects = [WatchedPaths.directory(of: path)]
            if index == chain.count - 1 { subjects.append(path) }
            for subject in subjects where checked.insert(subject).inserted {
                guard let ownership = FileOwnership(path: subject) else { continue }
                let what = ownership.isDirectory ? "directory" : "file"
                if !trusted.contains(ownership.userID) {
                    result.append("\(what) \(subject) is owned by uid \(ownership.userID), not root: that user decides the rules")
                }
                if ownership.isWorldWritable || ownership.isGroupWritable {
                    let who = ownership.isWorldWritable ? "everyone" : "group \(ownership.groupID)"
                    result.append("\(what) \(subject) is writable by \(who) (mode \(String(ownership.mode, radix: 8))): they decide the rules")
                }
            }
        }
        return result
    }
}
