import Glibc

/// Which files a reload depends on, as absolute paths, and the directories
/// to watch for them: a watch on the file itself would die with an editor's
/// first rename-over, a watch on its directory sees every way the name
/// changes.
package enum WatchedPaths {
    /// One name the kernel looks up while opening a path: `name` in
    /// `directory`, a path without symlinks.
    package struct Lookup: Hashable, Sendable, CustomStringConvertible {
        package var directory: String
        package var name: String

        package init(directory: String, name: String) {
            self.directory = directory
            self.name = name
        }

        package var path: String { WatchedPaths.join(directory, name) }
        package var description: String { path }
    }

    /// Every name the kernel looks up to open `path` (made absolute against
    /// the working directory), in order: each component in the directory
    /// it is in, through symlinks at any component, the last one's and a
    /// directory's alike (at most 40, the kernel's limit too). Ends at a
    /// component that is missing or that cannot be followed: what makes it
    /// appear is a change in the directory it is looked up in. Each entry
    /// a lookup reads can make the path mean another file; no other can.
    package static func lookups(_ path: String) -> [Lookup] {
        var pending = Array(absolute(path).split(separator: "/").reversed())
        var current = "/"
        var result: [Lookup] = []
        var hops = 0
        while let component = pending.popLast() {
            if component == "." { continue }
            // `current` has no symlinks: its parent is the lexical one.
            if component == ".." {
                current = directory(of: current)
                continue
            }
            let lookup = Lookup(directory: current, name: String(component))
            if !result.contains(lookup) { result.append(lookup) }
            var status = stat()
            guard lstat(lookup.path, &status) == 0 else { break }
            if status.st_mode & S_IFMT == S_IFLNK {
                hops += 1
                guard hops <= 40, let target = readLink(lookup.path) else { break }
                if target.hasPrefix("/") { current = "/" }
                pending += target.split(separator: "/").reversed()
                continue
            }
            if pending.isEmpty || status.st_mode & S_IFMT != S_IFDIR { break }
            current = lookup.path
        }
        return result
    }

    /// `path` made absolute (against the working directory), then every
    /// symlink hop after it: a change to the link or to any file it leads to
    /// matters. At most 40 hops (the kernel's limit too).
    package static func chain(_ path: String) -> [String] {
        var result: [String] = []
        var current = absolute(path)
        for _ in 0..<40 {
            result.append(current)
            guard let target = readLink(current) else { break }
            current = target.hasPrefix("/") ? target : directory(of: current) + "/" + target
            current = normalized(current)
            if result.contains(current) { break }
        }
        return result
    }

    /// The directory part of an absolute path (`/` for `/x`).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `directory/name`, without a double slash under `/`.
    package static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return normalized(path) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return normalized(join(cwd, path))
    }

    /// Drops empty and `.` components; `..` is kept (it may cross a symlink).
    static func normalized(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        return "/" + parts.joined(separator: "/")
    }

    /// The target of the symlink at `path`, or nil when it is none.
    /// The corresponding C function is `readlink`.
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
