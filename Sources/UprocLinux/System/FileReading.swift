import CLinuxProc
import Glibc
import SystemPackage

package enum FileReadError: Error, Hashable, Sendable, CustomStringConvertible {
    case system(path: String, errno: Errno)
    case tooLarge(path: String, limit: Int)
    /// A FIFO, device, socket or directory: reading it could block forever
    /// or never end, so only regular files are read.
    case notRegularFile(path: String)

    package var description: String {
        switch self {
        case .system(let path, let errno): return "\(path): \(errno.description)"
        case .tooLarge(let path, let limit): return "\(path): larger than \(limit >> 20) MiB; refusing to read it"
        case .notRegularFile(let path): return "\(path): not a regular file; refusing to read it"
        }
    }
}

/// Whole-file reads for configuration and accounts files.
package enum FileReading {
    /// Reads all of `path` (or standard input for `-`), refusing anything
    /// but a regular file and more than `limit` bytes, both before opening
    /// it for reading: the type and size are checked through an `O_PATH`
    /// descriptor, which opens nothing (a symbolic link to a device such as
    /// `/dev/tty` must not open it; a FIFO without a writer would block), and
    /// the file checked is the one then opened (through that descriptor). The
    /// read itself stops past `limit` bytes (a file may grow meanwhile).
    package static func read(_ path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        if path == "-" { return try readAll(STDIN_FILENO, path: path, limit: limit) }
        let handle = try descriptor(path) { open(path, CLinuxProc_O_PATH | O_CLOEXEC) }
        defer { closeDescriptor(handle) }
        _ = try regularFileSize(handle, path: path, limit: limit)
        // Reopened through the checked descriptor: the same file, whatever
        // the path names by now. Without /proc, the path again, checked after.
        let reopened = open("/proc/self/fd/\(handle)", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        let fd: Int32
        if reopened >= 0 {
            fd = reopened
        } else {
            fd = try descriptor(path) { open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) }
            guard sameFile(fd, handle) else {
                closeDescriptor(fd)
                throw .notRegularFile(path: path)
            }
        }
        defer { closeDescriptor(fd) }
        return try readAll(fd, path: path, limit: limit)
    }

    /// Reads `fd` to its end: a regular file of at most `limit` bytes (its
    /// size is checked first), or for standard input anything up to
    /// `limit` bytes.
    package static func readAll(_ fd: Int32, path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        var result: [UInt8] = []
        if fd != STDIN_FILENO { result.reserveCapacity(try regularFileSize(fd, path: path, limit: limit) + 1) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count: Int
            switch syscall("read", subject: path, { chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }) {
            case .success(let read): count = read
            case .failure(let error): throw .system(path: path, errno: error.errno)
            }
            if count == 0 { return result }
            if result.count + count > limit { throw .tooLarge(path: path, limit: limit) }
            result.append(contentsOf: chunk[0..<count])
        }
    }

    /// The size of the regular file `fd`; refuses anything else, and a
    /// size over `limit`.
    private static func regularFileSize(_ fd: Int32, path: String, limit: Int) throws(FileReadError) -> Int {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .system(path: path, errno: Errno(rawValue: errno)) }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        // A directory says so, as read() would.
        case S_IFDIR: throw .system(path: path, errno: .isDirectory)
        default: throw .notRegularFile(path: path)
        }
        guard status.st_size <= limit else { throw .tooLarge(path: path, limit: limit) }
        return Int(status.st_size)
    }

    private static func descriptor(_ path: String, _ call: () -> Int32) throws(FileReadError) -> Int32 {
        switch syscall("open", subject: path, call) {
        case .success(let fd): return fd
        case .failure(let error): throw .system(path: path, errno: error.errno)
        }
    }

    private static func sameFile(_ a: Int32, _ b: Int32) -> Bool {
        var first = stat()
        var second = stat()
        return fstat(a, &first) == 0 && fstat(b, &second) == 0 && first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}
