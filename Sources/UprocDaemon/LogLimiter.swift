import Logging
import UprocLinux

/// Bounds how often one kind of error is logged: the first at once, then at
/// most one per `interval`, saying how many were left out. The counters in
/// the statistics count every one.
struct LogLimiter {
    private var nextAllowed: [String: UInt64] = [:]
    private var suppressed: [String: Int] = [:]
    let interval: UInt64

    init(interval: UInt64 = 10_000_000_000) { self.interval = interval }

    /// Logs `message` unless `kind` was logged less than `interval` ago.
    mutating func log(_ logger: Logger, _ level: Logger.Level, kind: String, _ message: Logger.Message,
                      metadata: @autoclosure () -> Logger.Metadata) {
        let now = MonotonicClock.nanoseconds()
        if let next = nextAllowed[kind], now < next {
            suppressed[kind, default: 0] &+= 1
            return
        }
        nextAllowed[kind] = now &+ interval
        var fields = metadata()
        if let count = suppressed.removeValue(forKey: kind), count > 0 { fields["suppressed"] = "\(count)" }
        logger.log(level: level, message, metadata: fields)
    }
}
