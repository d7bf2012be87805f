import Glibc
import SystemPackage

/// Existence checks that need no file descriptor.
public enum FileStatus {
    /// Whether `path` names an existing file (following symlinks).
    /// The corresponding C function is `access` with `F_OK`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Whether the open descriptor `fd` is a regular file.
    /// The corresponding C function is `fstat`.
    public static func isRegularFile(_ fd: Int32) -> Result<Bool, Errno> {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .failure(Errno(rawValue: errno)) }
        return .success(status.st_mode & S_IFMT == S_IFREG)
    }
}
