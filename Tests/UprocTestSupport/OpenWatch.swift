import Glibc

/// Records whether a file is opened or read, by anyone (inotify `IN_OPEN`,
/// `IN_ACCESS` on the file itself; an `O_PATH` descriptor counts as
/// neither): what shows that a tool refused a file without opening or
/// reading it.
public final class OpenWatch {
    private let fd: Int32

    public init(_ path: String) throws {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw HarnessError("inotify_init1: \(String(cString: strerror(errno)))") }
        guard inotify_add_watch(fd, path, UInt32(IN_OPEN | IN_ACCESS)) >= 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw HarnessError("inotify_add_watch \(path): \(message)")
        }
    }

    deinit { close(fd) }

    /// What happened to the file since the last call: "open", "read".
    public func events() -> [String] {
        var seen: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return seen }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let event = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: inotify_event.self) }
                if event.mask & UInt32(IN_OPEN) != 0 { seen.append("open") }
                if event.mask & UInt32(IN_ACCESS) != 0 { seen.append("read") }
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
            }
        }
    }
}
