/// The PIDs a namespace file lists: decimal, one a line, as `uprocd`
/// writes them (a last line without its newline is read too).
package enum NamespaceList {
    package enum Problem: Error, Hashable, Sendable {
        /// Line `line` (from 1) is not a PID.
        case notAPID(line: Int)
    }

    /// The PIDs in file order; a line that is not a positive decimal PID is
    /// a problem, not skipped: the file is not what the daemon writes.
    package static func parse(_ bytes: [UInt8]) -> Result<[Int32], Problem> {
        var pids: [Int32] = []
        pids.reserveCapacity(bytes.count / 6)
        var value: Int32 = 0
        var digits = 0
        var line = 1
        var overflow = false
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                guard digits > 0, value > 0, !overflow else { return .failure(.notAPID(line: line)) }
                pids.append(value)
                value = 0
                digits = 0
                line += 1
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let (times, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(Int32(byte - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                value = sum
                digits += 1
            } else {
                return .failure(.notAPID(line: line))
            }
        }
        if digits > 0 {
            guard value > 0, !overflow else { return .failure(.notAPID(line: line)) }
            pids.append(value)
        }
        return .success(pids)
    }
}
