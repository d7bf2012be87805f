import CLinuxProc
import Glibc
import UprocRules

/// The daemon's directory of namespace files (one file of PIDs per
/// namespace). Owns the directory while it lives, and only what it created:
/// the names of its files are recorded in a file of its own (`manifest`),
/// so a later start removes exactly those and refuses anything else.
/// Locked against a second daemon by a `flock` on the directory itself.
/// Confined to one thread.
package final class NamespaceDirectory {
    package let path: String
    /// Whether the directory is on tmpfs (namespace files are rewritten often;
    /// on a disk that would mean needless I/O).
    package private(set) var isTmpfs: Bool
    /// The namespace names the previous daemon recorded (until `claim`).
    package private(set) var previousNames: [String]
    /// This daemon created the directory now at `path` (at start or in a
    /// repair): `removeAll` removes it too when it is empty.
    package private(set) var created = false

    private var directoryFD: Int32
    private let writer: AtomicFileWriter
    private var bytes: [UInt8] = []
    /// The PIDs `bytes` holds, when they were many: overlapping namespaces
    /// often publish the same list one after another, formatted once.
    private var formatted: [Int32] = []
    /// Temporary files a crashed daemon left (ours by their prefix).
    private var staleTemporaries: [String] = []
    static let fileMode: mode_t = 0o444
    static let directoryMode: mode_t = 0o755
    /// The names of the namespace files this daemon created, one per line.
    package static let manifestName = ".uprocd.names"
    static let manifestHeader = "# uprocd namespace files (do not edit)\n"
    /// The lineage of tree namespaces kept across restarts (written by the
    /// daemon, read at its next start and by `uproc-kill`); it stays after
    /// a stop.
    package static let lineageName = ".uprocd.lineage"
    /// Directories of the daemon's own inside its directory (dot names, never
    /// a namespace's): accepted at start, checked when opened.
    package static let companionNames: Set<String> = [".accounting"]

    /// Creates the directory if missing (mode 0755); refuses a symlink, a
    /// non-directory, one not owned by the daemon's user or writable by
    /// group or others, one below a directory others may write without the
    /// sticky bit, one locked by another daemon (`.alreadyLocked` names it),
    /// and one holding entries the previous daemon did not record. Deletes
    /// nothing: `claim` does, once the daemon is sure to run.
    package init(path: String) throws(NamespaceDirectoryError) {
        self.path = path
        let opened = try Self.take(path)
        staleTemporaries = opened.temporaries
        previousNames = opened.recorded
        isTmpfs = Self.onTmpfs(opened.fd)
        writer = AtomicFileWriter(directoryFD: opened.fd, path: path, mode: Self.fileMode)
        directoryFD = opened.fd
        created = opened.created
        bytes.reserveCapacity(64 * 1024)
    }

    deinit { closeDescriptor(directoryFD) }

    /// Takes the directory over for `names` (the namespaces now configured):
    /// files of recorded namespaces no longer configured go, the files of
    /// those still configured stay until replaced (readers never miss them),
    /// and leftover temporaries go. Then `record(names)`.
    package func claim(keeping names: [String]) {
        if !previousNames.isEmpty {
            let kept = Set(names)
            for name in previousNames where !kept.contains(name) { remove(name) }
        }
        for name in staleTemporaries { unlink(name) }
        previousNames = []
        staleTemporaries = []
    }

    /// Records `names` as this daemon's files (before they are created, so a
    /// crash never leaves a file of ours unrecorded).
    package func record(_ names: [String]) throws(NamespaceDirectoryError) {
        var text: [UInt8] = Array(Self.manifestHeader.utf8)
        text.reserveCapacity(names.reduce(text.count) { $0 + $1.utf8.count + 1 })
        for name in names {
            text.append(contentsOf: name.utf8)
            text.append(UInt8(ascii: "\n"))
        }
        do {
            try writer.replace(Self.manifestName, with: text, access: FileAccess(mode: 0o444))
        } catch { throw .system(error) }
    }

    /// Atomically replaces `name` with `pids` (ascending), one decimal per
    /// line: written to a temporary file in the directory, then renamed over
    /// `name`, so a reader sees the old or the new file, never half of one.
    package func publish<C: Collection>(_ name: String, pids: C, access: FileAccess? = nil) throws(NamespaceDirectoryError)
    where C.Element == Int32 {
        try Self.validate(name)
        format(pids)
        do { try writer.replace(name, with: bytes, access: access) } catch { throw .system(error) }
    }

    /// `publish` for an ascending buffer: a list of at least
    /// `reuseThreshold` PIDs equal to the one formatted last is not
    /// formatted again (its bytes are written as they are).
    package func publish(_ name: String, sortedPIDs pids: UnsafeBufferPointer<Int32>, access: FileAccess? = nil)
        throws(NamespaceDirectoryError)
    {
        try Self.validate(name)
        format(sorted: pids)
        do { try writer.replace(name, with: bytes, access: access) } catch { throw .system(error) }
    }

    /// `publish` for namespaces that always have the same members (one
    /// rule): one file, hard-linked under every name (see
    /// `AtomicFileWriter.replace(allOf:with:access:)`).
    package func publish(allOf names: [String], sortedPIDs pids: UnsafeBufferPointer<Int32>, access: FileAccess? = nil)
        throws(NamespaceDirectoryError)
    {
        for name in names { try Self.validate(name) }
        format(sorted: pids)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(SystemCallError) in try writer.replace(allOf: names, with: raw, access: access) }
        }
        do { try result.get() } catch { throw .system(error) }
    }

    static let reuseThreshold = 256

    /// Puts `pids` in `bytes`, one decimal per line.
    private func format<C: Collection>(_ pids: C) where C.Element == Int32 {
        bytes.removeAll(keepingCapacity: true)
        formatted.removeAll(keepingCapacity: true)
        for pid in pids {
            DecimalText.append(UInt32(bitPattern: pid), to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
    }

    /// `format` that keeps `bytes` as they are for a list of at least
    /// `reuseThreshold` PIDs equal to the one formatted last: overlapping
    /// namespaces often publish the same list one after another.
    private func format(sorted pids: UnsafeBufferPointer<Int32>) {
        let reusable = pids.count >= Self.reuseThreshold
        if reusable && pids.count == formatted.count && formatted.withUnsafeBufferPointer({
            memcmp($0.baseAddress!, pids.baseAddress!, pids.count * MemoryLayout<Int32>.stride) == 0
        }) {
            return
        }
        format(pids)
        if reusable { formatted.append(contentsOf: pids) }
    }

    /// Creates `name` as an empty file in one call (`mknodat`). For start-up;
    /// if `name` exists (a restart) it is replaced atomically as `publish`
    /// would.
    package func publishEmptyNew(_ name: String, access: FileAccess? = nil) throws(NamespaceDirectoryError) {
        try Self.validate(name)
        if let access, access != .worldReadable {
            return try publish(name, pids: EmptyCollection<Int32>(), access: access)
        }
        let created: Bool
        do { created = try writer.createEmpty(name) } catch { throw .system(error) }
        if !created { try publish(name, pids: EmptyCollection<Int32>(), access: access) }
    }

    /// Atomically replaces the daemon's own file `name` (one starting with
    /// a dot, no namespace's) with `bytes`.
    package func replaceOwnFile(_ name: String, with bytes: [UInt8], access: FileAccess) throws(NamespaceDirectoryError) {
        do { try writer.replace(name, with: bytes, access: access) } catch { throw .system(error) }
    }

    /// The daemon's own file `name` as it last wrote it; nil when missing,
    /// not a plain file of the daemon's user, or above `limit` bytes.
    package func readOwnFile(_ name: String, limit: Int) -> [UInt8]? {
        guard case .success(let fd) = syscall("openat", subject: name, { openat(directoryFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) })
        else { return nil }
        defer { closeDescriptor(fd) }
        var status = stat()
        guard case .success = syscall("fstat", subject: name, { fstat(fd, &status) }), status.st_mode & S_IFMT == S_IFREG,
              status.st_uid == geteuid() else { return nil }
        return try? FileReading.readAll(fd, path: path + "/" + name, limit: limit)
    }

    /// Removes the daemon's own file `name` (`lineageName`); a missing file is fine.
    package func removeOwnFile(_ name: String) {
        guard name == Self.lineageName else { return }
        unlink(name)
    }

    /// Removes `name`; a missing file is fine.
    package func remove(_ name: String) {
        guard (try? Self.validate(name)) != nil else { return }
        unlink(name)
    }

    /// Removes the entry `name` of the directory, if it can.
    /// The corresponding C function is `unlinkat`.
    private func unlink(_ name: String) {
        _ = syscall("unlinkat", subject: name) { unlinkat(directoryFD, name, 0) }
    }

    /// Removes the files of `names` and the record, leaving the directory
    /// as the daemon found it: a stopped daemon must not look like a live one.
    /// A directory this daemon created goes too when nothing else is in it,
    /// and only while `path` still names it (never another daemon's).
    package func removeAll(_ names: [String]) {
        for name in names { remove(name) }
        unlink(Self.manifestName)
        if created && isAtPath() { _ = syscall("rmdir", subject: path) { rmdir(path) } }
    }

    /// Whether `path` still names this daemon's directory (not deleted,
    /// moved away or replaced). Two calls (`fstat`, `lstat`).
    package func isAtPath() -> Bool {
        guard let own = ownStatus(), own.st_nlink > 0 else { return false }
        var atPath = stat()
        guard case .success = syscall("lstat", subject: path, { lstat(path, &atPath) }) else { return false }
        return atPath.st_dev == own.st_dev && atPath.st_ino == own.st_ino
    }

    /// The directory's own status; nil if it cannot be had.
    private func ownStatus() -> stat? {
        var status = stat()
        guard case .success = syscall("fstat", subject: path, { fstat(directoryFD, &status) }) else { return nil }
        return status
    }

    // MARK: - while running

    /// Whether `name` is still a regular file of the daemon's user (one
    /// `fstatat`): what can be checked of every file after the directory
    /// watch lost events, without rewriting them all.
    package func looksIntact(_ name: String) -> Bool {
        var status = stat()
        guard case .success = syscall("fstatat", subject: name, { fstatat(directoryFD, name, &status, AT_SYMLINK_NOFOLLOW) }) else {
            return false
        }
        return status.st_mode & S_IFMT == S_IFREG && status.st_uid == geteuid()
    }

    /// What `inspect` found and did.
    package enum Finding: Equatable, Sendable, CustomStringConvertible {
        /// The directory was deleted or moved away (or replaced): recreated.
        case recreated
        /// Its mode let others write: set back.
        case modeRepaired(from: UInt32, to: UInt32)
        /// Another user owned it: given back to the daemon's user.
        case ownerRepaired(from: UInt32)
        /// The path could not be made the daemon's directory again.
        case unusable(NamespaceDirectoryError)
        /// Another uprocd serves the directory now at the path (this one's
        /// was deleted or moved away, and the other started there): the
        /// lock guards this daemon's old directory only, so the path is
        /// the other's and must not be touched.
        case taken(holderPID: Int32?)

        package var description: String {
            switch self {
            case .recreated:
                return "the directory was deleted or replaced; recreated it"
            case .modeRepaired(let from, let to):
                return "the directory's mode was changed to \(String(from & 0o7777, radix: 8)) (writable by others); "
                    + "set it back to \(String(to & 0o7777, radix: 8))"
            case .ownerRepaired(let from):
                return "the directory's owner was changed to UID \(from); gave it back to UID \(geteuid())"
            case .unusable(let error):
                return "the directory cannot be used: \(error)"
            case .taken(let holder):
                return "another uprocd" + (holder.map { " (PID \($0))" } ?? "")
                    + " serves this path now (this daemon's directory was deleted or moved away)"
            }
        }
    }

    /// Checks that `path` is still this daemon's directory, owned by it and
    /// writable by nobody else; repairs what it can. `recreated` means every
    /// file must be written again; `taken`, that the daemon must stop.
    package func inspect() -> [Finding] {
        guard isAtPath() else {
            do {
                try reopen()
                return [.recreated]
            } catch .alreadyLocked(_, let holder) {
                return [.taken(holderPID: holder)]
            } catch {
                return [.unusable(error)]
            }
        }
        guard let own = ownStatus() else { return [] }
        var findings: [Finding] = []
        let euid = geteuid()
        if own.st_uid != euid {
            if case .success = syscall("fchown", subject: path, { fchown(directoryFD, euid, UInt32.max) }) {
                findings.append(.ownerRepaired(from: own.st_uid))
            } else {
                findings.append(.unusable(.wrongOwner(path: path, owner: own.st_uid, expected: euid)))
            }
        }
        if own.st_mode & 0o022 != 0 {
            let repaired = own.st_mode & 0o7755
            if case .success = syscall("fchmod", subject: path, { fchmod(directoryFD, repaired) }) {
                findings.append(.modeRepaired(from: UInt32(own.st_mode), to: UInt32(repaired)))
            } else {
                findings.append(.unusable(.writableByOthers(path: path, mode: UInt32(own.st_mode))))
            }
        }
        return findings
    }

    /// The directory at `path` is gone or another: make it ours again
    /// (created if missing, with the same checks as at start).
    private func reopen() throws(NamespaceDirectoryError) {
        let opened = try Self.take(path)
        closeDescriptor(directoryFD)
        directoryFD = opened.fd
        writer.moveTo(directoryFD: opened.fd)
        isTmpfs = Self.onTmpfs(opened.fd)
        created = opened.created
    }

    // MARK: - internals

    /// Opens, checks and locks the directory, and reads what the previous
    /// daemon recorded; see `init`. The descriptor is the caller's.
    private static func take(_ path: String) throws(NamespaceDirectoryError)
        -> (fd: Int32, created: Bool, recorded: [String], temporaries: [String])
    {
        let (fd, created) = try openChecked(path)
        var owns = true
        defer { if owns { closeDescriptor(fd) } }
        try DirectoryLock.lock(directoryFD: fd, path: path)
        let recorded = try readManifest(fd, path: path)
        let temporaries = try checkEntries(fd, path: path, allowed: Set(recorded))
        owns = false
        return (fd, created, recorded, temporaries)
    }

    /// Opens (creating if missing) and checks the directory; see `init`.
    /// `created`: this call made it.
    private static func openChecked(_ path: String) throws(NamespaceDirectoryError) -> (fd: Int32, created: Bool) {
        try checkAncestors(of: path)
        var status = stat()
        var created = false
        switch syscall("lstat", subject: path, { lstat(path, &status) }) {
        case .success:
            break
        case .failure(let error) where error.errno == .noSuchFileOrDirectory:
            switch syscall("mkdir", subject: path, { mkdir(path, directoryMode) }) {
            case .success: created = true
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
        let fd = try openDirectory(path)
        var owns = true
        defer { if owns { closeDescriptor(fd) } }

        do {
            try syscall("fstat", subject: path) { fstat(fd, &status) }.get()
        } catch { throw .system(error) }
        if status.st_uid != geteuid() {
            throw .wrongOwner(path: path, owner: status.st_uid, expected: geteuid())
        }
        if status.st_mode & 0o022 != 0 {
            throw .writableByOthers(path: path, mode: UInt32(status.st_mode))
        }
        owns = false
        return (fd, created)
    }

    /// As sshd's StrictModes: every directory above must be owned by root or
    /// the daemon's user and not writable by others unless sticky.
    private static func checkAncestors(of path: String) throws(NamespaceDirectoryError) {
        var absolute = path
        if !absolute.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            guard case .success = syscall("getcwd", { getcwd(&buffer, buffer.count) == nil ? -1 : 0 }) else { return }
            let length = buffer.firstIndex(of: 0) ?? buffer.count
            absolute = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + path
        }
        var components = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        components.removeLast()
        var ancestor = ""
        let euid = geteuid()
        for index in 0...components.count {
            ancestor = "/" + components.prefix(index).joined(separator: "/")
            var status = stat()
            guard case .success = syscall("stat", subject: ancestor, { stat(ancestor, &status) }) else { continue }
            if status.st_uid != 0 && status.st_uid != euid {
                throw .ancestorOwned(path: path, ancestor: ancestor, owner: status.st_uid, expected: euid)
            }
            if status.st_mode & 0o022 != 0 && status.st_mode & S_ISVTX == 0 {
                throw .ancestorWritable(path: path, ancestor: ancestor, mode: UInt32(status.st_mode))
            }
        }
    }

    /// The names the previous daemon recorded; none when there is no record.
    /// A record not owned by the daemon's user, not a plain file, or larger
    /// than any record a daemon writes is not ours (and is not read).
    private static func readManifest(_ directoryFD: Int32, path: String) throws(NamespaceDirectoryError) -> [String] {
        let fd: Int32
        switch syscall("openat", subject: manifestName, { openat(directoryFD, manifestName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }) {
        case .success(let opened): fd = opened
        case .failure(let error) where error.errno == .noSuchFileOrDirectory: return []
        case .failure: throw .foreignEntries(path: path, names: [manifestName], count: 1)
        }
        defer { closeDescriptor(fd) }
        var status = stat()
        guard case .success = syscall("fstat", subject: manifestName, { fstat(fd, &status) }), status.st_mode & S_IFMT == S_IFREG, status.st_uid == geteuid(),
              let content = try? FileReading.readAll(fd, path: path + "/" + manifestName, limit: manifestLimit) else {
            throw .foreignEntries(path: path, names: [manifestName], count: 1)
        }
        let header = Array(manifestHeader.utf8)
        guard content.starts(with: header) else {
            throw .foreignEntries(path: path, names: [manifestName], count: 1)
        }
        return content[header.count...].split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The record names the namespaces of one config, each on a line of its
    /// own there: it is never larger than the largest config.
    static let manifestLimit = manifestHeader.utf8.count + SourceFile.maxSize

    /// Refuses entries that are neither recorded namespace files, the record,
    /// nor temporaries of ours; returns the temporaries.
    private static func checkEntries(_ fd: Int32, path: String, allowed: Set<String>) throws(NamespaceDirectoryError) -> [String] {
        var foreign: [String] = []
        var foreignCount = 0
        var temporaries: [String] = []
        for entry in try DirectoryEntries.list(fd, path: path) {
            let name = entry.name
            let isRegular = entry.type == UInt8(DT_REG)
            if name == manifestName || (isRegular && name == lineageName) { continue }
            if isRegular && allowed.contains(name) { continue }
            // A directory of the daemon's own (`.accounting`): its own checks
            // run when it is opened (`CompanionDirectory`).
            if entry.type == UInt8(DT_DIR) && companionNames.contains(name) { continue }
            if isRegular && name.hasPrefix(AtomicFileWriter.temporaryPrefix) {
                temporaries.append(name)
                continue
            }
            foreignCount += 1
            if foreign.count < 5 { foreign.append(name) }
        }
        if foreignCount > 0 { throw .foreignEntries(path: path, names: foreign.sorted(), count: foreignCount) }
        return temporaries
    }

    /// Opens `path` as a directory, never through a symbolic link.
    static func openDirectory(_ path: String) throws(NamespaceDirectoryError) -> Int32 {
        switch syscall("open", subject: path, { open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }) {
        case .success(let fd): return fd
        case .failure(let error) where error.errno == .tooManySymbolicLinkLevels: throw .symlink(path: path)
        case .failure(let error) where error.errno == .notDirectory: throw .notADirectory(path: path)
        case .failure(let error): throw .system(error)
        }
    }

    private static func onTmpfs(_ fd: Int32) -> Bool {
        var filesystem = statfs()
        guard case .success = syscall("fstatfs", { fstatfs(fd, &filesystem) }) else { return false }
        return Int(filesystem.f_type) == CLinuxProc_TMPFS_MAGIC
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
