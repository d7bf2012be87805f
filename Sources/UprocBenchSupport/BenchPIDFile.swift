import Glibc
import UprocRules

/// Reads a namespace file (one decimal PID per line) the way a user's
/// `grep -qx PID FILE` would: whole file, then each line parsed in place.
package enum BenchPIDFile {
    /// Whether `pid` is listed in the file at `path`; `nil` when the file
    /// does not exist (the namespace is not published).
    package static func contains(_ pid: Int32, in path: String) throws(BenchError) -> Bool? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd == -1 {
            if errno == ENOENT { return nil }
            throw .last("open \(path)")
        }
        defer { close(fd) }
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == -1 {
                if errno == EINTR { continue }
                throw .last("read \(path)")
            }
            if count == 0 { break }
            content.append(contentsOf: buffer[0..<count])
        }
        guard pid >= 0 else { return false }
        let wanted = UInt64(pid)
        var start = content.startIndex
        while start < content.endIndex {
            let end = content[start...].firstIndex(of: UInt8(ascii: "\n")) ?? content.endIndex
            if DecimalText.parse(content[start..<end]) == wanted { return true }
            start = end + 1
        }
        return false
    }
}
