import CLinuxProc
import Glibc
import UprocRules

/// An exclusive `flock` on `.lock` inside a directory, holding the owner's
/// PID as text so a second daemon can say who is in the way. Released when
/// the object goes (the descriptor closes).
internal final class DirectoryLock {
    static let fileName = ".lock"
    let fileDescriptor: Int32

    init(directoryFD: Int32, path: String) throws(NamespaceDirectoryError) {
        let lockPath = path + "/" + Self.fileName
        let fd: Int32
        do {
            fd = try syscall("open", subject: lockPath) {
                openat(directoryFD, Self.fileName, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            }.value()
        } catch { throw .system(error) }
        var owns = true
        defer { if owns { closeDescriptor(fd) } }

        switch syscall("flock", subject: lockPath, { flock(fd, LOCK_EX | LOCK_NB) }) {
        case .success:
            break
        case .failure(let error) where error.errno == .wouldBlock:
            throw .alreadyLocked(path: path, holderPID: Self.holder(fd))
        case .failure(let error):
            throw .system(error)
        }

        var text: [UInt8] = []
        DecimalText.append(getpid(), to: &text)
        text.append(UInt8(ascii: "\n"))
        let written = text.withUnsafeBytes { bytes in
            // A fresh descriptor writes at offset 0.
            syscall("ftruncate", subject: lockPath) { ftruncate(fd, 0) }
                .flatMap { _ in writeAll(fd, bytes, subject: lockPath) }
        }
        if case .failure(let error) = written { throw .system(error) }
        fileDescriptor = fd
        owns = false
    }

    deinit { closeDescriptor(fileDescriptor) }

    /// The PID written in the lock file, if readable (the holder may not
    /// have written it yet).
    private static func holder(_ fd: Int32) -> Int32? {
        var bytes: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let count = withUnsafeMutableBytes(of: &bytes) { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return withUnsafeBytes(of: &bytes) { raw in
            let text = raw.prefix(count)
            let line = text.prefix { $0 != UInt8(ascii: "\n") }
            return DecimalText.parse(line).flatMap { Int32(exactly: $0) }
        }
    }
}
