import SystemPackage

public enum FileReadError: Error, Hashable, Sendable, CustomStringConvertible {
    case system(path: String, errno: Errno)
    case tooLarge(path: String, limit: Int)
    /// A FIFO, device, socket or directory: reading it could block forever
    /// or never end, so only regular files are read.
    case notRegularFile(path: String)

    public var description: String {
        switch self {
        case .system(let path, let errno): return "\(path): \(errno.description)"
        case .tooLarge(let path, let limit): return "\(path): larger than \(limit >> 20) MiB; refusing to read it"
        case .notRegularFile(let path): return "\(path): not a regular file; refusing to read it"
        }
    }
}

/// Whole-file reads for configuration and accounts files.
public enum FileReading {
    /// Reads all of `path` (or standard input for `-`), refusing more than
    /// `limit` bytes without reading them all first, and anything but a
    /// regular file: the open is non-blocking (a FIFO without a writer
    /// would block it forever), then the type is checked before any read.
    public static func read(_ path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let fd: FileDescriptor
        let ownsFD: Bool
        if path == "-" {
            fd = .standardInput
            ownsFD = false
        } else {
            do {
                fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking])
            } catch {
                throw .system(path: path, errno: error as? Errno ?? .ioError)
            }
            ownsFD = true
        }
        defer { if ownsFD { try? fd.close() } }
        var result: [UInt8] = []
        if ownsFD {
            switch FileStatus.regularFileSize(fd.rawValue) {
            case .success(let size?): result.reserveCapacity(min(size, limit) + 1)
            case .success(nil):
                // A directory says so, as read() would; a FIFO or device must not be read at all.
                if FileStatus.isDirectory(fd.rawValue) { throw .system(path: path, errno: .isDirectory) }
                throw .notRegularFile(path: path)
            case .failure(let error): throw .system(path: path, errno: error)
            }
        }
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
