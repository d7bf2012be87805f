import Glibc

/// The entries of a directory held open, read through a duplicate
/// descriptor (fdopendir takes the one it is given), without `.` and `..`.
enum DirectoryEntries {
    struct Entry {
        var name: String
        /// `d_type`: DT_REG, DT_DIR, … (DT_UNKNOWN on file systems that do not say).
        var type: UInt8
    }

    static func list(_ fd: Int32, path: String) throws(NamespaceDirectoryError) -> [Entry] {
        let listing: Int32
        do {
            listing = try syscall("openat", subject: path) { openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.get()
        } catch { throw .system(error) }
        let directory: OpaquePointer
        switch syscall("fdopendir", subject: path, { fdopendir(listing) }) {
        case .success(let opened): directory = opened
        case .failure(let error):
            closeDescriptor(listing)
            throw .system(error)
        }
        defer { closedir(directory) }
        var entries: [Entry] = []
        // readdir's errors (EBADF) are bugs; its nil is the end.
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            entries.append(Entry(name: name, type: entry.pointee.d_type))
        }
        return entries
    }
}
