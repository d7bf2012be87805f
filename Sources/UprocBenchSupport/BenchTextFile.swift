import Glibc

/// Writes benchmark results (raw samples) to a file.
package enum BenchTextFile {
    /// Creates or truncates `path` (mode 0644) and writes all of `text`.
    package static func write(_ text: String, to path: String) throws(BenchError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .last("open \(path)") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written == -1 {
                if errno == EINTR { continue }
                throw .last("write \(path)")
            }
            offset += written
        }
    }

    /// Writes `line` and a newline to standard error (progress and warnings;
    /// the figures go to standard output).
    package static func printError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written == -1 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
