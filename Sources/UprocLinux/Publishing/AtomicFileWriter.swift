import Glibc

/// Replaces whole files in one directory atomically: the bytes go to a
/// temporary file in the same directory (`O_EXCL|O_NOFOLLOW`), which is then
/// renamed over the target, so a reader sees the old file or the new one,
/// never half of one. Used for the namespace files and any other file the
/// daemon keeps (a metrics file). Confined to one thread.
public final class AtomicFileWriter {
    public let directoryPath: String
    let directoryFD: Int32
    private let ownsDirectory: Bool
    private let mode: mode_t
    /// The umask would take bits from `mode`: set each file's mode explicitly.
    private let needsChmod: Bool
    static let temporaryName = ".uproc.tmp"

    /// Writes into the directory at `path` (opened here, closed with the
    /// writer), giving new files `mode`.
    public convenience init(directory path: String, mode: UInt32 = 0o644) throws(SystemCallError) {
        let fd = try syscall("open", subject: path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.value()
        self.init(directoryFD: fd, path: path, mode: mode_t(mode), owning: true)
    }

    /// Writes into an open directory the caller keeps owning (unless `owning`).
    init(directoryFD: Int32, path: String, mode: mode_t, owning: Bool = false) {
        self.directoryFD = directoryFD
        self.directoryPath = path
        self.ownsDirectory = owning
        self.mode = mode
        let mask = umask(0o022)
        umask(mask)
        needsChmod = mask & mode != 0
    }

    deinit { if ownsDirectory { closeDescriptor(directoryFD) } }

    /// Atomically replaces (or creates) `name` with `bytes`.
    public func replace(_ name: String, with bytes: UnsafeRawBufferPointer) throws(SystemCallError) {
        let fd = try createTemporary()
        let written = writeAll(fd, bytes, subject: directoryPath + "/" + Self.temporaryName)
        if case .success = written, needsChmod { fchmod(fd, mode) }
        closeDescriptor(fd)
        if case .failure(let error) = written {
            unlinkat(directoryFD, Self.temporaryName, 0)
            throw error
        }
        let renamed = syscall("renameat", subject: directoryPath + "/" + name) {
            renameat(directoryFD, Self.temporaryName, directoryFD, name)
        }
        if case .failure(let error) = renamed {
            unlinkat(directoryFD, Self.temporaryName, 0)
            throw error
        }
    }

    public func replace(_ name: String, with bytes: [UInt8]) throws(SystemCallError) {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(SystemCallError) in try replace(name, with: raw) } }
        try result.value()
    }

    /// Atomically replaces `name` with another link to the file `existing`
    /// (same directory): no bytes copied. For files that must hold the same
    /// bytes; `existing` must not be `name`. The corresponding C functions are
    /// `linkat` and `renameat`.
    public func replace(_ name: String, linkingTo existing: String) throws(SystemCallError) {
        var linked = syscall("linkat", subject: directoryPath + "/" + existing) {
            linkat(directoryFD, existing, directoryFD, Self.temporaryName, 0)
        }
        if case .failure(let error) = linked, error.errno == .fileExists {
            // Left by a write that failed half-way: ours to remove.
            unlinkat(directoryFD, Self.temporaryName, 0)
            linked = syscall("linkat", subject: directoryPath + "/" + existing) {
                linkat(directoryFD, existing, directoryFD, Self.temporaryName, 0)
            }
        }
        try linked.value()
        let renamed = syscall("renameat", subject: directoryPath + "/" + name) {
            renameat(directoryFD, Self.temporaryName, directoryFD, name)
        }
        // When `name` already was a link to the same file, rename does
        // nothing and leaves the temporary name: remove it (ENOENT otherwise).
        unlinkat(directoryFD, Self.temporaryName, 0)
        try renamed.value()
    }

    /// Creates `name` empty in one call (`mknodat`); false when it exists.
    func createEmpty(_ name: String) throws(SystemCallError) -> Bool {
        switch syscall("mknodat", subject: directoryPath + "/" + name, {
            mknodat(directoryFD, name, S_IFREG | mode, 0)
        }) {
        case .success:
            if needsChmod { fchmodat(directoryFD, name, mode, 0) }
            return true
        case .failure(let error) where error.errno == .fileExists:
            return false
        case .failure(let error):
            throw error
        }
    }

    private func createTemporary() throws(SystemCallError) -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var retried = false
        while true {
            switch syscall("openat", subject: directoryPath + "/" + Self.temporaryName, {
                openat(directoryFD, Self.temporaryName, flags, mode)
            }) {
            case .success(let fd):
                return fd
            case .failure(let error) where error.errno == .fileExists && !retried:
                // Left by a write that failed half-way: ours to remove.
                unlinkat(directoryFD, Self.temporaryName, 0)
                retried = true
            case .failure(let error):
                throw error
            }
        }
    }
}
