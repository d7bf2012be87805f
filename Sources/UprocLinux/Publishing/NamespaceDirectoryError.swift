public enum NamespaceDirectoryError: Error, Hashable, Sendable, CustomStringConvertible {
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
    /// Not a plain file name (empty, `/`, NUL, a leading `.`, over 255 bytes).
    case invalidName(String)

    public var description: String {
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
        case .invalidName(let name):
            return "invalid namespace file name '\(name)'"
        }
    }
}
