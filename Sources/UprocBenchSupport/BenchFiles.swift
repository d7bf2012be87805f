import Glibc

/// File steps of the reload benchmark.
package enum BenchFiles {
    /// Replaces `to` with `from` the way editors and configuration
    /// management do. The corresponding C function is `rename`.
    package static func rename(_ from: String, to: String) throws(BenchError) {
        guard Glibc.rename(from, to) == 0 else { throw .last("rename \(from) \(to)") }
    }

    /// Time `pid` has spent on a CPU, in nanoseconds (the first field of
    /// `/proc/PID/schedstat`: exact, where `stat`'s ticks are 10 ms).
    package static func cpuNanoseconds(of pid: Int32) -> UInt64? {
        guard let file = fopen("/proc/\(pid)/schedstat", "re") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, 64, file) != nil else { return nil }
        return UInt64(String(decoding: buffer.prefix { $0 != 0 && $0 != 32 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
