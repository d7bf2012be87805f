import Glibc

/// The local time as human log lines show it (`2026-11-27T10:54:15+0000`,
/// the format of swift-log's `StreamLogHandler`).
package enum LogTimestamp {
    /// The corresponding C functions are `localtime_r` and `strftime`.
    package static func now() -> String {
        var seconds = time(nil)
        var local = tm()
        guard localtime_r(&seconds, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
