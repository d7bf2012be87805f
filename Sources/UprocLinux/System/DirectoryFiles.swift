import Glibc

/// Reads the small regular files of one directory: what `uproc-top` does
/// with the accounting files. A file this user may not read (under
/// `hidepid`, another user's namespace) is skipped, not an error.
package enum DirectoryFiles {
    /// What one read found.
    package struct Listing: Sendable {
        /// Name and content of each file read, by name.
        package var files: [(name: String, bytes: [UInt8])]
        /// Files skipped: not readable by this user, not regular, or
        /// larger than the limit.
        package var skipped: Int
    }

    /// Reads every regular file of `path` whose name does not start with
    /// `.`, each up to `limit` bytes. Throws when the directory cannot be
    /// opened. The corresponding C functions are `openat` and `read`.
    package static func read(_ path: String, limit: Int) throws(SystemCallError) -> Listing {
        let directoryFD = try syscall("open", subject: path) { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.get()
        defer { closeDescriptor(directoryFD) }
        let listingFD = try syscall("openat", subject: path) { openat(directoryFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.get()
        let directory: OpaquePointer
        switch syscall("fdopendir", subject: path, { fdopendir(listingFD) }) {
        case .success(let opened): directory = opened
        case .failure(let error):
            closeDescriptor(listingFD)
            throw error
        }
        defer { closedir(directory) }
        var listing = Listing(files: [], skipped: 0)
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            // O_NONBLOCK: a FIFO planted here must not hang the reader.
            let fd = openat(directoryFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else {
                listing.skipped += 1
                continue
            }
            defer { closeDescriptor(fd) }
            var status = stat()
            guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                listing.skipped += 1
                continue
            }
            var count = 0
            var failed = false
            while count <= limit {
                let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + count, $0.count - count) }
                if read < 0 && errno == EINTR { continue }
                failed = read < 0
                if read <= 0 { break }
                count += read
            }
            guard !failed, count <= limit else {
                listing.skipped += 1
                continue
            }
            listing.files.append((name, Array(buffer[0..<count])))
        }
        listing.files.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return listing
    }
}
