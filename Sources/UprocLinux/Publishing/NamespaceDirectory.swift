import CLinuxProc
import Glibc
import UprocRules

/// The daemon's directory of namespace files (one file of PIDs per
/// namespace). Owns the directory while it lives: locked against a second
/// daemon, cleaned at start. Confined to one thread.
public final class NamespaceDirectory {
    public let path: String
    /// Whether the directory is on tmpfs (namespace files are rewritten often;
    /// on a disk that would mean needless I/O).
    public let isTmpfs: Bool

    private let directoryFD: Int32
    private let lock: DirectoryLock
    private let writer: AtomicFileWriter
    private var bytes: [UInt8] = []
    /// The PIDs `bytes` holds, when they were many: overlapping namespaces
    /// often publish the same list one after another, formatted once.
    private var formatted: [Int32] = []
    /// The file last written with `bytes`, when `formatted` is set: the next
    /// namespace with the same PIDs becomes a hard link to it (no copy).
    private var formattedFile: String?
    private static let fileMode: mode_t = 0o644

    /// Creates the directory if missing (mode 0755), refuses a symlink, a
    /// non-directory, or one writable by group or others, takes the lock
    /// (`.alreadyLocked` names the other daemon), removes every stale entry
    /// but `.lock`, and notes whether it is on tmpfs.
    public init(path: String) throws(NamespaceDirectoryError) {
        self.path = path
        var status = stat()
        switch syscall("lstat", subject: path, { lstat(path, &status) }) {
        case .success:
            break
        case .failure(let error) where error.errno == .noSuchFileOrDirectory:
            switch syscall("mkdir", subject: path, { mkdir(path, 0o755) }) {
            case .success: break
            case .failure(let error) where error.errno == .fileExists: break
            case .failure(let error): throw .system(error)
            }
            status.st_mode = S_IFDIR
        case .failure(let error):
            throw .system(error)
        }
        if status.st_mode & S_IFMT == S_IFLNK {
            throw .symlink(path: path)
        } else if status.st_mode & S_IFMT != S_IFDIR {
            throw .notADirectory(path: path)
        }

        // O_NOFOLLOW again: the path could have changed since lstat.
        let fd: Int32
        switch syscall("open", subject: path, { open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }) {
        case .success(let value): fd = value
        case .failure(let error) where error.errno == .tooManySymbolicLinkLevels: throw .symlink(path: path)
        case .failure(let error) where error.errno == .notDirectory: throw .notADirectory(path: path)
        case .failure(let error): throw .system(error)
        }
        var owns = true
        defer { if owns { closeDescriptor(fd) } }

        do {
            try syscall("fstat", subject: path) { fstat(fd, &status) }.value()
        } catch { throw .system(error) }
        if status.st_mode & 0o022 != 0 {
            throw .writableByOthers(path: path, mode: UInt32(status.st_mode))
        }

        lock = try DirectoryLock(directoryFD: fd, path: path)

        var filesystem = statfs()
        isTmpfs = fstatfs(fd, &filesystem) == 0 && Int(filesystem.f_type) == CLinuxProc_TMPFS_MAGIC

        writer = AtomicFileWriter(directoryFD: fd, path: path, mode: Self.fileMode)
        directoryFD = fd
        owns = false
        bytes.reserveCapacity(64 * 1024)
        try removeEntries(keepingLock: true)
    }

    deinit { closeDescriptor(directoryFD) }

    /// Atomically replaces `name` with `pids` (ascending), one decimal per
    /// line: written to a temporary file in the directory, then renamed over
    /// `name`, so a reader sees the old or the new file, never half of one.
    public func publish<C: Collection>(_ name: String, pids: C) throws(NamespaceDirectoryError)
    where C.Element == Int32 {
        try Self.validate(name)
        bytes.removeAll(keepingCapacity: true)
        formatted.removeAll(keepingCapacity: true)
        formattedFile = nil
        for pid in pids {
            DecimalText.append(UInt32(bitPattern: pid), to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }

        do {
            try writer.replace(name, with: bytes)
        } catch { throw .system(error) }
    }

    /// `publish` for an ascending buffer; a list of at least
    /// `reuseThreshold` PIDs equal to the one written last is not formatted
    /// again.
    public func publish(_ name: String, sortedPIDs pids: UnsafeBufferPointer<Int32>) throws(NamespaceDirectoryError) {
        guard pids.count >= Self.reuseThreshold else { return try publish(name, pids: pids) }
        let same = pids.count == formatted.count && formatted.withUnsafeBufferPointer {
            memcmp($0.baseAddress!, pids.baseAddress!, pids.count * MemoryLayout<Int32>.stride) == 0
        }
        if same {
            try Self.validate(name)
            if let existing = formattedFile, existing != name {
                // A link shares the inode: each name is still replaced on its own, atomically.
                do {
                    try writer.replace(name, linkingTo: existing)
                    formattedFile = name
                    return
                } catch {}  // someone removed it: write the bytes
            }
            do { try writer.replace(name, with: bytes) } catch { throw .system(error) }
            formattedFile = name
            return
        }
        try publish(name, pids: pids)
        formatted.append(contentsOf: pids)
        formattedFile = name
    }

    static let reuseThreshold = 256

    /// Creates `name` as an empty file in one call (`mknodat`). For start-up,
    /// when the directory was just cleaned; if `name` exists after all it is
    /// replaced atomically as `publish` would.
    public func publishEmptyNew(_ name: String) throws(NamespaceDirectoryError) {
        try Self.validate(name)
        let created: Bool
        do { created = try writer.createEmpty(name) } catch { throw .system(error) }
        if !created { try publish(name, pids: EmptyCollection<Int32>()) }
    }

    /// Removes `name`; a missing file is fine.
    public func remove(_ name: String) {
        guard (try? Self.validate(name)) != nil else { return }
        unlinkat(directoryFD, name, 0)
    }

    /// Removes every namespace file and the lock file, leaving the directory
    /// empty: a stopped daemon must not look like a live one.
    public func removeAll() {
        try? removeEntries(keepingLock: false)
    }

    // MARK: - internals

    private func removeEntries(keepingLock: Bool) throws(NamespaceDirectoryError) {
        // fdopendir takes its descriptor: give it a duplicate.
        let listing: Int32
        do {
            listing = try syscall("openat", subject: path) {
                openat(directoryFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }.value()
        } catch { throw .system(error) }
        let directory: OpaquePointer
        switch syscall("fdopendir", subject: path, { fdopendir(listing) }) {
        case .success(let opened): directory = opened
        case .failure(let error):
            closeDescriptor(listing)
            throw .system(error)
        }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                let name = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
                if strcmp(name, ".") == 0 || strcmp(name, "..") == 0 { return }
                if keepingLock && strcmp(name, DirectoryLock.fileName) == 0 { return }
                unlinkat(directoryFD, name, isDirectory ? AT_REMOVEDIR : 0)
            }
        }
        if !keepingLock { unlinkat(directoryFD, DirectoryLock.fileName, 0) }
    }

    private static func validate(_ name: String) throws(NamespaceDirectoryError) {
        var valid = false
        var copy = name
        copy.withUTF8 { bytes in
            valid = !bytes.isEmpty && bytes.count <= 255 && bytes[0] != UInt8(ascii: ".")
                && !bytes.contains(UInt8(ascii: "/")) && !bytes.contains(0)
        }
        if !valid { throw .invalidName(name) }
    }
}
