import Glibc

/// Takes this user's inotify instances or watches up to the kernel's limit
/// (`fs.inotify.max_user_instances`, `fs.inotify.max_user_watches`, counted
/// per user), so that a daemon started as the same user meets it. The
/// descriptors stay open until this process ends.
struct InotifyFill {
    private var descriptors: [Int32] = []

    /// Opens instances until the kernel refuses one; answers how many.
    mutating func fillInstances() -> String {
        var opened = 0
        while true {
            let fd = inotify_init1(Int32(IN_CLOEXEC))
            if fd < 0 {
                return errno == EMFILE ? "\(opened)" : "error: inotify_init1: \(describe(errno))"
            }
            descriptors.append(fd)
            opened += 1
        }
    }

    /// Watches every file in `directory` from up to `instances` instances
    /// (each watch of one inode by one instance counts) until the kernel
    /// refuses one with ENOSPC; answers how many watches that took, or an
    /// error when the files ran out first.
    mutating func fillWatches(directory: String, instances: Int) -> String {
        guard let stream = opendir(directory) else { return "error: opendir \(directory): \(describe(errno))" }
        var files: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { files.append(directory + "/" + name) }
        }
        closedir(stream)
        var added = 0
        for _ in 0..<instances {
            let fd = inotify_init1(Int32(IN_CLOEXEC))
            if fd < 0 { return "error: inotify_init1 after \(added) watches: \(describe(errno))" }
            descriptors.append(fd)
            for file in files {
                if inotify_add_watch(fd, file, UInt32(IN_MODIFY)) < 0 {
                    return errno == ENOSPC ? "\(added)" : "error: inotify_add_watch \(file): \(describe(errno))"
                }
                added += 1
            }
        }
        return "error: \(added) watches of \(files.count) files in \(instances) instances did not reach the limit"
    }
}
