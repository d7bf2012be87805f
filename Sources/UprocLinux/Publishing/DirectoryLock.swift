import Glibc

/// An exclusive `flock` on the directory's own descriptor: nothing in the
/// directory to delete or replace, so no user can let a second daemon in.
/// The holder's PID comes from `/proc/locks`. Released when the descriptor
/// closes.
internal enum DirectoryLock {
    static func lock(directoryFD: Int32, path: String) throws(NamespaceDirectoryError) {
        switch syscall("flock", subject: path, { flock(directoryFD, LOCK_EX | LOCK_NB) }) {
        case .success:
            return
        case .failure(let error) where error.errno == .wouldBlock:
            throw .alreadyLocked(path: path, holderPID: holder(of: directoryFD))
        case .failure(let error):
            throw .system(error)
        }
    }

    /// The PID `/proc/locks` shows on this inode's FLOCK, if any
    /// (`1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF`).
    static func holder(of fd: Int32) -> Int32? {
        if case .held(let pid) = lookUp(fd) { return pid }
        return nil
    }

    /// Whether a process holds a FLOCK on this inode (a daemon serves the
    /// directory), as `/proc/locks` shows without taking the lock (which
    /// would keep a starting daemon out); nil when it cannot be told.
    static func isHeld(_ fd: Int32) -> Bool? {
        switch lookUp(fd) {
        case .unknown: return nil
        case .free: return false
        case .held: return true
        }
    }

    private enum Lookup {
        /// `/proc/locks` or the descriptor could not be read.
        case unknown
        case free
        /// The holder's PID, when the line shows one.
        case held(pid: Int32?)
    }

    /// This inode's FLOCK line of `/proc/locks`.
    private static func lookUp(_ fd: Int32) -> Lookup {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .unknown }
        // glibc's major()/minor(), which Swift does not import.
        let dev = UInt64(status.st_dev)
        let major = ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~UInt64(0xFFF))
        let minor = (dev & 0xFF) | ((dev >> 12) & ~UInt64(0xFF))
        let device = String(major, radix: 16) + ":" + String(minor, radix: 16)
        let inode = String(status.st_ino)
        guard let text = try? FileReading.read("/proc/locks", limit: 16 << 20) else { return .unknown }
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let words = line.split(separator: UInt8(ascii: " "))
            guard words.count >= 6, words.contains(where: { $0.elementsEqual("FLOCK".utf8) }) else { continue }
            // The device is printed %02x:%02x: compare numerically.
            guard let at = words.firstIndex(where: { $0.contains(UInt8(ascii: ":")) && $0.last != UInt8(ascii: ":") }),
                  at > 0 else { continue }
            let parts = words[at].split(separator: UInt8(ascii: ":"))
            guard parts.count == 3,
                  let major = UInt32(String(decoding: parts[0], as: UTF8.self), radix: 16),
                  let minor = UInt32(String(decoding: parts[1], as: UTF8.self), radix: 16),
                  String(major, radix: 16) + ":" + String(minor, radix: 16) == device,
                  String(decoding: parts[2], as: UTF8.self) == inode
            else { continue }
            return .held(pid: Int32(String(decoding: words[at - 1], as: UTF8.self)))
        }
        return .free
    }
}
