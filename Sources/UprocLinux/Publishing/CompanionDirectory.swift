import Glibc

/// A directory of the daemon's own inside its namespace directory
/// (`.accounting`): created mode 0755, its files replaced atomically as
/// the namespace files are. Trusted only as the namespace directory is:
/// not a symlink, owned by the daemon's user, writable by nobody else, and
/// holding nothing but regular files of that user (a crash's leftovers,
/// replaced or removed); anything else is refused, never deleted.
/// Confined to one thread.
package final class CompanionDirectory {
    package let path: String
    private let parentPath: String
    private let name: String
    private var writer: AtomicFileWriter
    /// Files found at opening (a crashed daemon's): the caller keeps or removes them.
    package private(set) var leftovers: [String] = []

    /// Opens `parent/name`, creating it if missing.
    package init(parent: String, name: String) throws(NamespaceDirectoryError) {
        parentPath = parent
        self.name = name
        path = parent + "/" + name
        let opened = try Self.open(path)
        writer = AtomicFileWriter(directoryFD: opened.fd, path: path, mode: 0o444, owning: true)
        leftovers = opened.files
    }

    /// Removes the directory `parent/name` a previous daemon left, if it
    /// holds only regular files of this user (removed too); anything else
    /// there stays. For a start that keeps no such directory.
    package static func removeLeftover(parent: String, name: String) {
        let path = parent + "/" + name
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR,
              let opened = try? open(path, creating: false) else { return }
        for file in opened.files { unlinkat(opened.fd, file, 0) }
        closeDescriptor(opened.fd)
        rmdir(path)
    }

    /// Atomically replaces `file` with `bytes`, readable as `access` says;
    /// when the directory is gone (the namespace directory was recreated),
    /// makes it again first.
    package func replace(_ file: String, with bytes: [UInt8], access: FileAccess?) throws(NamespaceDirectoryError) {
        do {
            try writer.replace(file, with: bytes, access: access)
        } catch let error where error.errno == .noSuchFileOrDirectory || !writer.directoryIsAtPath() {
            try reopen()
            do { try writer.replace(file, with: bytes, access: access) } catch { throw .system(error) }
        } catch {
            throw .system(error)
        }
    }

    /// Makes the directory again when it is no longer at its path (the
    /// namespace directory was deleted and recreated); true when it did:
    /// every file must be written again. One `fstat` and one `stat`.
    package func reopenIfGone() throws(NamespaceDirectoryError) -> Bool {
        guard !writer.directoryIsAtPath() else { return false }
        try reopen()
        return true
    }

    /// Removes `file`; a missing one is fine.
    package func remove(_ file: String) { writer.remove(file) }

    /// Removes `files` and the directory (a stopped daemon must not look live).
    package func removeAll(_ files: some Sequence<String>) {
        for file in files { writer.remove(file) }
        if writer.directoryIsAtPath() { rmdir(path) }
    }

    private func reopen() throws(NamespaceDirectoryError) {
        let opened = try Self.open(path)
        for file in opened.files { unlinkat(opened.fd, file, 0) }
        writer = AtomicFileWriter(directoryFD: opened.fd, path: path, mode: 0o444, owning: true)
    }

    /// Opens (creating it if missing, with `creating`) and checks the
    /// directory; its regular files, temporaries of ours removed.
    private static func open(_ path: String, creating: Bool = true) throws(NamespaceDirectoryError)
        -> (fd: Int32, files: [String])
    {
        if creating, case .failure(let error) = syscall("mkdir", subject: path, { mkdir(path, 0o755) }),
           error.errno != .fileExists {
            throw .system(error)
        }
        let fd = try NamespaceDirectory.openDirectory(path)
        var owns = true
        defer { if owns { closeDescriptor(fd) } }
        var status = stat()
        do { _ = try syscall("fstat", subject: path) { fstat(fd, &status) }.get() } catch { throw .system(error) }
        if status.st_uid != geteuid() { throw .wrongOwner(path: path, owner: status.st_uid, expected: geteuid()) }
        if status.st_mode & 0o022 != 0 { throw .writableByOthers(path: path, mode: UInt32(status.st_mode)) }
        let files = try ownFiles(fd, path: path)
        owns = false
        return (fd, files)
    }

    /// The directory's entries when each is a regular file of this user
    /// (temporaries of ours are removed, not listed); else refused.
    private static func ownFiles(_ fd: Int32, path: String) throws(NamespaceDirectoryError) -> [String] {
        var files: [String] = []
        var foreign: [String] = []
        let euid = geteuid()
        for entry in try DirectoryEntries.list(fd, path: path) {
            let name = entry.name
            var status = stat()
            guard fstatat(fd, name, &status, AT_SYMLINK_NOFOLLOW) == 0, status.st_mode & S_IFMT == S_IFREG,
                  status.st_uid == euid else {
                foreign.append(name)
                continue
            }
            if name.hasPrefix(AtomicFileWriter.temporaryPrefix) {
                unlinkat(fd, name, 0)
            } else {
                files.append(name)
            }
        }
        if !foreign.isEmpty {
            throw .foreignEntries(path: path, names: Array(foreign.sorted().prefix(5)), count: foreign.count)
        }
        return files
    }
}
