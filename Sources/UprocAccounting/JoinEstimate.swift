import UprocEvents

/// Usage at an event, from a `/proc` read made after it.
package enum JoinEstimate {
    /// A process that just exec'd is single-threaded: since the EXEC it
    /// used at most the wall time elapsed, `elapsed` µs, of CPU. Its CPU
    /// time at the exec is therefore no less than `read` minus that (taken
    /// from user and system time in their proportion): counting from there
    /// never loses what it burned after the exec while the daemon caught
    /// up; what it may add is CPU the process used before the exec, within
    /// those `elapsed` µs. I/O is kept as read (it is not bounded by time).
    package static func atExec(read: ResourceUsage, elapsedMicroseconds elapsed: UInt64) -> ResourceUsage {
        let total = read.cpuMicroseconds
        guard total > 0 else { return read }
        let kept = total - min(total, elapsed)
        var usage = read
        // user * kept / total without overflow.
        let user = read.userMicroseconds.multipliedFullWidth(by: kept)
        usage.userMicroseconds = total.dividingFullWidth((high: user.high, low: user.low)).quotient
        usage.systemMicroseconds = kept - usage.userMicroseconds
        return usage
    }
}
