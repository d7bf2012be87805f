import Glibc

/// Reads a namespace file (one decimal PID per line) the way a user's
/// `grep -qx PID FILE` would: whole file, parsed, no allocation per line.
public enum BenchPIDFile {
    /// Whether `pid` is listed in the file at `path`; `nil` when the file
    /// does not exist (the namespace is not published).
    public static func contains(_ pid: Int32, in path: String) throws(BenchError) -> Bool? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd == -1 {
            if errno == ENOENT { return nil }
            throw .last("open \(path)")
        }
        defer { close(fd) }
        var found = false
        var value: Int64 = 0
        var inNumber = false
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == -1 {
                if errno == EINTR { continue }
                throw .last("read \(path)")
            }
            if count == 0 { break }
            for byte in buffer[0..<count] {
                if byte >= 0x30 && byte <= 0x39 {
                    value = value &* 10 &+ Int64(byte - 0x30)
                    inNumber = true
                } else {
                    if inNumber && value == Int64(pid) { found = true }
                    value = 0
                    inNumber = false
                }
            }
        }
        if inNumber && value == Int64(pid) { found = true }
        return found
    }
}
