import Glibc
import SystemPackage

/// A file or directory opened without following a symbolic link in its last
/// component, with the attributes of what was opened: a check of them holds
/// for the file later read, not for whatever the path named a moment before.
/// Closed once, when it goes away. Confined to one thread.
package final class NoFollowFile {
    package let path: String
    package let attributes: FileAttributes
    private let descriptor: Int32

    /// Opens the directory `path`. ELOOP: `path` is a symbolic link (the
    /// kernel says ENOTDIR for one, as O_DIRECTORY is checked first: told
    /// apart with `lstat`); ENOTDIR: not a directory. The corresponding C
    /// function is `open`.
    package convenience init(directory path: String) throws(SystemCallError) {
        let opened = syscall("open", subject: path) { open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        if case .failure(let error) = opened, error.errno == .notDirectory {
            var status = stat()
            if lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK {
                throw SystemCallError(call: "open", subject: path, errno: .tooManySymbolicLinkLevels)
            }
        }
        try self.init(path: path, descriptor: try opened.get())
    }

    /// Opens `name` in this directory for reading (non-blocking, so that a
    /// FIFO planted there cannot hang the caller). ELOOP: a symbolic link.
    /// The corresponding C function is `openat`.
    package convenience init(name: String, in directory: NoFollowFile) throws(SystemCallError) {
        let path = directory.path + "/" + name
        let fd = try syscall("openat", subject: path) {
            openat(directory.descriptor, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        }.get()
        try self.init(path: path, descriptor: fd)
    }

    private init(path: String, descriptor fd: Int32) throws(SystemCallError) {
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = SystemCallError(call: "fstat", subject: path, errno: Errno(rawValue: errno))
            closeDescriptor(fd)
            throw error
        }
        let kind: FileAttributes.Kind
        switch status.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .regular
        default: kind = .other
        }
        self.path = path
        self.descriptor = fd
        self.attributes = FileAttributes(kind: kind, owner: status.st_uid, permissions: UInt32(status.st_mode & 0o7777))
    }

    deinit { closeDescriptor(descriptor) }

    /// Whether some process holds a `flock` on what was opened, as uprocd
    /// does on its directory while it serves it (read from `/proc/locks`;
    /// the lock is not taken). Nil when that cannot be told.
    package var isFlockHeld: Bool? { DirectoryLock.isHeld(descriptor) }

    /// Reads the whole file, refusing one over `limit` bytes.
    package func readAll(limit: Int) throws(FileReadError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = 1 << 16
        while true {
            if bytes.count > limit { throw .tooLarge(path: path, limit: limit) }
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let result = bytes.withUnsafeMutableBytes { buffer in
                syscall("read", subject: path) { Glibc.read(descriptor, buffer.baseAddress! + start, chunk) }
            }
            switch result {
            case .success(let count):
                bytes.removeLast(chunk - count)
                if count == 0 { return bytes }
            case .failure(let error):
                throw .system(path: path, errno: error.errno)
            }
            chunk = min(chunk * 2, 1 << 22)
        }
    }
}
