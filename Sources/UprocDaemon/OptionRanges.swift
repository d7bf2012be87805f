/// The documented range of every numeric option: a value outside is a
/// usage error (exit 64), never an overflow later.
extension DaemonOptions {
    package static let receiveBufferRange = 4096...(1 << 30)
    package static let minimumIntervalMillisecondsRange = 0...60_000

    /// Why these values are refused, or nil when they are in range.
    package static func rangeProblem(netlinkReceiveBuffer: Int, minimumIntervalMilliseconds: Int) -> String? {
        if !receiveBufferRange.contains(netlinkReceiveBuffer) {
            return "--netlink-rcvbuf \(netlinkReceiveBuffer) is out of range "
                + "(\(receiveBufferRange.lowerBound) to \(receiveBufferRange.upperBound) bytes)"
        }
        if !minimumIntervalMillisecondsRange.contains(minimumIntervalMilliseconds) {
            return "--min-interval \(minimumIntervalMilliseconds) is out of range "
                + "(\(minimumIntervalMillisecondsRange.lowerBound) to \(minimumIntervalMillisecondsRange.upperBound) ms)"
        }
        return nil
    }
}
