import Glibc

/// Existence checks that need no file descriptor.
public enum FileStatus {
    /// Whether `path` names an existing file (following symlinks).
    /// The corresponding C function is `access` with `F_OK`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }
}
