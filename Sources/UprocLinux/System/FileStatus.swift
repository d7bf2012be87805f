import Glibc
import SystemPackage

/// Existence checks that need no file descriptor.
public enum FileStatus {
    /// Whether `path` names an existing file (following symlinks).
    /// The corresponding C function is `access` with `F_OK`.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The size of the open descriptor `fd` when it is a regular file; nil
    /// for anything else (a FIFO, a device, a directory).
    /// The corresponding C function is `fstat`.
    public static func regularFileSize(_ fd: Int32) -> Result<Int?, Errno> {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .failure(Errno(rawValue: errno)) }
        return .success(status.st_mode & S_IFMT == S_IFREG ? Int(status.st_size) : nil)
    }

    /// Whether the open descriptor `fd` is a directory.
    /// The corresponding C function is `fstat`.
    public static func isDirectory(_ fd: Int32) -> Bool {
        var status = stat()
        return fstat(fd, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }
}
