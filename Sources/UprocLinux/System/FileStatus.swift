import Glibc
import SystemPackage

/// Existence checks that need no file descriptor.
package enum FileStatus {
    /// Whether `path` names an existing file (following symlinks).
    /// The corresponding C function is `access` with `F_OK`.
    package static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// `(st_dev, st_ino)` of `path` (following symlinks), or nil when it
    /// cannot be reached: tells whether two paths name one file.
    /// The corresponding C function is `stat`.
    package static func identity(_ path: String) -> FileIdentity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// The size of the open descriptor `fd` when it is a regular file; nil
    /// for anything else (a FIFO, a device, a directory).
    /// The corresponding C function is `fstat`.
    package static func regularFileSize(_ fd: Int32) -> Result<Int?, Errno> {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .failure(Errno(rawValue: errno)) }
        return .success(status.st_mode & S_IFMT == S_IFREG ? Int(status.st_size) : nil)
    }

    /// Whether the open descriptor `fd` is a directory.
    /// The corresponding C function is `fstat`.
    package static func isDirectory(_ fd: Int32) -> Bool {
        var status = stat()
        return fstat(fd, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }
}

/// A file's device and inode numbers.
package struct FileIdentity: Hashable, Sendable {
    package var device: UInt64
    package var inode: UInt64
}
