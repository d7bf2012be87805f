package enum NamespaceDirectoryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A call on the directory or one of its files failed.
    case system(SystemCallError)
    /// The path is a symbolic link: refused, so nobody can redirect the
    /// daemon's writes.
    case symlink(path: String)
    case notADirectory(path: String)
    /// Group- or world-writable: anyone allowed to write there could plant
    /// or replace namespace files.
    case writableByOthers(path: String, mode: UInt32)
    /// Another daemon holds the directory's lock (its PID as its lock file says).
    case alreadyLocked(path: String, holderPID: Int32?)
    /// Owned by another user, who could plant or replace namespace files.
    case wrongOwner(path: String, owner: UInt32, expected: UInt32)
    /// A directory above it is writable by others without the sticky bit:
    /// they could move the namespace directory away and put their own.
    case ancestorWritable(path: String, ancestor: String, mode: UInt32)
    /// A directory above it is owned by another user than root or the
    /// daemon's, who could move the namespace directory away and put their own.
    case ancestorOwned(path: String, ancestor: String, owner: UInt32, expected: UInt32)
    /// Entries this daemon cannot prove are its own (some of their names,
    /// and how many there are): never deleted, so refused.
    case foreignEntries(path: String, names: [String], count: Int)
    /// Not a plain file name (empty, `/`, NUL, a leading `.`, over 255 bytes).
    case invalidName(String)

    package var description: String {
        switch self {
        case .system(let error):
            return error.description
        case .symlink(let path):
            return "\(path): is a symbolic link; refusing to use it as the namespace directory"
        case .notADirectory(let path):
            return "\(path): not a directory"
        case .writableByOthers(let path, let mode):
            let who: String
            switch (mode & 0o020 != 0, mode & 0o002 != 0) {
            case (true, true): who = "group and others"
            case (true, false): who = "group"
            default: who = "others"
            }
            return "\(path): writable by \(who) (mode \(String(mode & 0o7777, radix: 8))); "
                + "refusing a namespace directory others can change (chmod go-w)"
        case .alreadyLocked(let path, let holder):
            return "\(path): in use by another uprocd" + (holder.map { " (PID \($0))" } ?? "")
        case .wrongOwner(let path, let owner, let expected):
            return "\(path): owned by UID \(owner), not by this daemon's UID \(expected); "
                + "refusing a namespace directory another user can change (chown it or pick another)"
        case .ancestorWritable(let path, let ancestor, let mode):
            return "\(path): \(ancestor) is writable by others without the sticky bit "
                + "(mode \(String(mode & 0o7777, radix: 8))); refusing a namespace directory others can replace"
        case .ancestorOwned(let path, let ancestor, let owner, let expected):
            return "\(path): \(ancestor) is owned by UID \(owner), not by root or this daemon's UID \(expected); "
                + "refusing a namespace directory another user can replace (chown it or pick another)"
        case .foreignEntries(let path, let names, let count):
            let shown = names.map { "'\($0)'" }.joined(separator: ", ")
            return "\(path): holds \(count) entr\(count == 1 ? "y" : "ies") uprocd did not create (\(shown)\(count > names.count ? ", …" : "")); "
                + "refusing to use a directory with other files (uprocd never deletes what it did not create): "
                + "remove them or pick an empty directory"
        case .invalidName(let name):
            return "invalid namespace file name '\(name)'"
        }
    }
}
