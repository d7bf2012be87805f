import Glibc

/// Which files a reload depends on, as absolute paths, and the directories
/// to watch for them: a watch on the file itself would die with an editor's
/// first rename-over, a watch on its directory sees every way the name
/// changes.
public enum WatchedPaths {
    /// `path` made absolute (against the working directory), then every
    /// symlink hop after it: a change to the link or to any file it leads to
    /// matters. At most 40 hops (the kernel's limit too).
    public static func chain(_ path: String) -> [String] {
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
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `directory/name`, without a double slash under `/`.
    public static func join(_ directory: String, _ name: String) -> String {
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
