import Glibc

/// Replaces whole files in one directory atomically: the bytes go to a
/// temporary file in the same directory (`O_EXCL|O_NOFOLLOW`), which is then
/// renamed over the target, so a reader sees the old file or the new one,
/// never half of one. Used for the namespace files and any other file the
/// daemon keeps (a metrics file). Confined to one thread.
package final class AtomicFileWriter {
    package let directoryPath: String
    private(set) var directoryFD: Int32
    private let ownsDirectory: Bool
    private let mode: mode_t
    private let defaultAccess: FileAccess
    /// The umask would take bits from `mode`: set each file's mode explicitly.
    private let needsChmod: Bool
    /// Temporary names are `<prefix><pid>.<counter>`: a name planted in the
    /// way (a file, a directory) is skipped, never waited on.
    package static let temporaryPrefix = ".uprocd.tmp."
    private var counter: UInt64 = 0
    private var temporaryName = ""

    /// Writes into the directory at `path` (opened here, closed with the
    /// writer), giving new files `mode`.
    package convenience init(directory path: String, mode: UInt32 = 0o644) throws(SystemCallError) {
        let fd = try syscall("open", subject: path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.get()
        self.init(directoryFD: fd, path: path, mode: mode_t(mode), owning: true)
    }

    /// Writes into an open directory the caller keeps owning (unless `owning`).
    init(directoryFD: Int32, path: String, mode: mode_t, owning: Bool = false) {
        self.directoryFD = directoryFD
        self.directoryPath = path
        self.ownsDirectory = owning
        self.mode = mode
        defaultAccess = FileAccess(mode: UInt32(mode))
        let mask = umask(0o022)
        umask(mask)
        needsChmod = mask & mode != 0
    }

    deinit { if ownsDirectory { closeDescriptor(directoryFD) } }

    /// The directory was recreated: write into `fd` from now on.
    func moveTo(directoryFD fd: Int32) { directoryFD = fd }

    /// Whether `directoryPath` (followed, as when opened) still names the
    /// directory written into: false once it was deleted, moved away or
    /// replaced. The corresponding C functions are `fstat` and `stat`.
    package func directoryIsAtPath() -> Bool {
        var own = stat()
        var atPath = stat()
        return fstat(directoryFD, &own) == 0 && own.st_nlink > 0
            && stat(directoryPath, &atPath) == 0 && atPath.st_dev == own.st_dev && atPath.st_ino == own.st_ino
    }

    /// Writes into the directory now at `directoryPath` (the old one was
    /// deleted and another made there). For a writer that opened its
    /// directory itself (`init(directory:mode:)`).
    package func reopenDirectory() throws(SystemCallError) {
        precondition(ownsDirectory, "reopenDirectory on a directory the writer does not own")
        let path = directoryPath
        let fd = try syscall("open", subject: path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.get()
        closeDescriptor(directoryFD)
        directoryFD = fd
    }

    /// The identity of `name` when it is a regular file of this process's
    /// user (not followed); nil when missing or anything else (a symlink
    /// someone planted, a file of another user).
    /// The corresponding C function is `fstatat`.
    package func identityOfOwnFile(_ name: String) -> FileIdentity? {
        var status = stat()
        guard fstatat(directoryFD, name, &status, AT_SYMLINK_NOFOLLOW) == 0,
              status.st_mode & S_IFMT == S_IFREG, status.st_uid == geteuid()
        else { return nil }
        return FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Atomically replaces (or creates) `name` with `bytes`, giving it
    /// `access` (default: the writer's mode).
    package func replace(_ name: String, with bytes: UnsafeRawBufferPointer, access: FileAccess? = nil) throws(SystemCallError) {
        try move(try writeTemporary(bytes, access: access), over: name)
    }

    /// Atomically replaces each of `names` (at least one) with one file
    /// holding `bytes`: written once, then hard-linked under every name, so
    /// a thousand names cost a thousand `linkat`+`renameat`, not a thousand
    /// copies. Each name is replaced atomically on its own; when this
    /// throws, the names before the one that failed hold the new file and
    /// the others their old one.
    package func replace(
        allOf names: some Collection<String>, with bytes: UnsafeRawBufferPointer, access: FileAccess? = nil
    ) throws(SystemCallError) {
        guard let first = names.first else { return }
        guard names.count > 1 else { return try replace(first, with: bytes, access: access) }
        let file = try writeTemporary(bytes, access: access)
        defer { unlinkat(directoryFD, file, 0) }
        for name in names { try move(try linkTemporary(file), over: name) }
    }

    /// A new temporary file holding `bytes` with `access`; its name. Nothing
    /// is left behind when this throws.
    private func writeTemporary(_ bytes: UnsafeRawBufferPointer, access: FileAccess?) throws(SystemCallError) -> String {
        let fd = try createTemporary()
        let name = temporaryName
        var written = writeAll(fd, bytes, subject: directoryPath + "/" + name)
        let effective = access ?? defaultAccess
        if case .success = written, needsChmod || effective != defaultAccess {
            written = effective.apply(to: fd, subject: directoryPath + "/" + name)
        }
        closeDescriptor(fd)
        if case .failure(let error) = written {
            unlinkat(directoryFD, name, 0)
            throw error
        }
        return name
    }

    /// Renames the temporary `temporary` over `name`; removes it when that fails.
    private func move(_ temporary: String, over name: String) throws(SystemCallError) {
        let renamed = syscall("renameat", subject: directoryPath + "/" + name) {
            renameat(directoryFD, temporary, directoryFD, name)
        }
        if case .failure(let error) = renamed {
            unlinkat(directoryFD, temporary, 0)
            throw error
        }
    }

    package func replace(_ name: String, with bytes: [UInt8], access: FileAccess? = nil) throws(SystemCallError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(SystemCallError) in try replace(name, with: raw, access: access) }
        }
        try result.get()
    }

    /// Removes `name`; a missing file is fine. The corresponding C function is `unlinkat`.
    package func remove(_ name: String) {
        unlinkat(directoryFD, name, 0)
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
        var attempts = 0
        while true {
            if temporaryName.isEmpty { nextTemporaryName() }
            switch syscall("openat", subject: directoryPath + "/" + temporaryName, {
                openat(directoryFD, temporaryName, flags, mode)
            }) {
            case .success(let fd):
                return fd
            case .failure(let error) where error.errno == .fileExists && attempts < 8:
                // Someone else's entry: never touch it, take another name.
                nextTemporaryName()
                attempts += 1
            case .failure(let error):
                throw error
            }
        }
    }

    /// A new temporary name for `file` (a hard link); a name planted in
    /// the way is skipped as in `createTemporary`.
    private func linkTemporary(_ file: String) throws(SystemCallError) -> String {
        var attempts = 0
        while true {
            nextTemporaryName()
            switch syscall("linkat", subject: directoryPath + "/" + temporaryName, {
                linkat(directoryFD, file, directoryFD, temporaryName, 0)
            }) {
            case .success:
                return temporaryName
            case .failure(let error) where error.errno == .fileExists && attempts < 8:
                attempts += 1
            case .failure(let error):
                throw error
            }
        }
    }

    private func nextTemporaryName() {
        counter &+= 1
        temporaryName = Self.temporaryPrefix + String(getpid()) + "." + String(counter &+ UInt64.random(in: 0...0xFFFF) << 32)
    }
}
