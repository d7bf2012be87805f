import SystemPackage

public enum FileReadError: Error, Hashable, Sendable, CustomStringConvertible {
    case system(path: String, errno: Errno)
    case tooLarge(path: String, limit: Int)

    public var description: String {
        switch self {
        case .system(let path, let errno): return "\(path): \(errno.description)"
        case .tooLarge(let path, let limit): return "\(path): larger than \(limit >> 20) MiB; refusing to read it"
        }
    }
}

/// Whole-file reads for configuration and accounts files.
public enum FileReading {
    /// Reads all of `path` (or standard input for `-`), refusing more than
    /// `limit` bytes without reading them all first.
    public static func read(_ path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let fd: FileDescriptor
        let ownsFD: Bool
        if path == "-" {
            fd = .standardInput
            ownsFD = false
        } else {
            do {
                fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
            } catch {
                throw .system(path: path, errno: error as? Errno ?? .ioError)
            }
            ownsFD = true
        }
        defer { if ownsFD { try? fd.close() } }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
            } catch {
                throw .system(path: path, errno: error as? Errno ?? .ioError)
            }
            if count == 0 { return result }
            if result.count + count > limit { throw .tooLarge(path: path, limit: limit) }
            result.append(contentsOf: chunk[0..<count])
        }
    }
}
