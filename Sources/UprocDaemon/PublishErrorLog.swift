import Logging

/// Failed writes of namespace files, logged at most once per `interval`
/// with how many there were (a full tmpfs fails every write, thousands a
/// second), and once more when writes succeed again.
struct PublishErrorLog {
    static let interval: UInt64 = 5_000_000_000
    private var lastLogged: UInt64?
    /// Failures since the last line.
    private var unlogged = 0
    /// Failures since writes last succeeded.
    private(set) var failing = 0

    mutating func failed(_ namespace: String, _ error: any Error, now: UInt64, logger: Logger) {
        failing &+= 1
        unlogged &+= 1
        if let last = lastLogged, now &- last < Self.interval { return }
        logger.error(
            "cannot write namespace file",
            metadata: ["namespace": "\(namespace)", "error": "\(error)", "failures": "\(unlogged)"])
        lastLogged = now
        unlogged = 0
    }

    mutating func succeeded(logger: Logger) {
        guard failing > 0 else { return }
        logger.notice("namespace files written again", metadata: ["failures": "\(failing)"])
        failing = 0
        unlogged = 0
        lastLogged = nil
    }
}
