import Glibc

/// Who owns a file and who may write it: enough to warn, as sshd's
/// StrictModes does, when someone besides root could change what it says.
package struct FileOwnership: Hashable, Sendable {
    package var userID: UInt32
    package var groupID: UInt32
    /// Permission bits (`0o7777`).
    package var mode: UInt32
    package var isDirectory: Bool

    /// The file itself when `followingSymlinks`, else the link.
    /// The corresponding C functions are `stat` and `lstat`.
    package init?(path: String, followingSymlinks: Bool = true) {
        var status = stat()
        guard (followingSymlinks ? stat(path, &status) : lstat(path, &status)) == 0 else { return nil }
        userID = status.st_uid
        groupID = status.st_gid
        mode = status.st_mode & 0o7777
        isDirectory = status.st_mode & S_IFMT == S_IFDIR
    }

    package var isGroupWritable: Bool { mode & 0o020 != 0 }
    package var isWorldWritable: Bool { mode & 0o002 != 0 }

    /// The effective user of this process.
    /// The corresponding C function is `geteuid`.
    package static var effectiveUserID: UInt32 { geteuid() }
}
