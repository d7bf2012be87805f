import Glibc

/// Existence checks that need no file descriptor.
public enum FileStatus {
    /// Whether `path` names an existing file (following symlinks).
    /// The corresponding C function is `access` with `F_OK`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// `(st_dev, st_ino)` of `path` (following symlinks), or nil when it
    /// cannot be reached: tells whether two paths name one file.
    /// The corresponding C function is `stat`.
    public static func identity(_ path: String) -> FileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}

/// A file's device and inode numbers.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
}
