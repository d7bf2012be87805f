import UprocRules

/// One process event from the kernel's proc connector.
package struct ProcEvent: Hashable, Sendable {
    /// `proc_event.timestamp_ns`: CLOCK_MONOTONIC nanoseconds (see `MonotonicClock`).
    package var timestamp: UInt64
    package var kind: Kind
    /// For an `.exit`: its exit code and the signal its parent is sent
    /// (nil for other kinds, and for an exit event too short to hold them).
    package var exitDetail: ExitDetail?

    package init(timestamp: UInt64, kind: Kind, exitDetail: ExitDetail? = nil) {
        self.timestamp = timestamp
        self.kind = kind
        self.exitDetail = exitDetail
    }

    package enum Kind: Hashable, Sendable {
        /// `childPID != childTGID` is a new thread, not a new process.
        case fork(parentPID: Int32, parentTGID: Int32, childPID: Int32, childTGID: Int32)
        case exec(pid: Int32, tgid: Int32)
        case uid(pid: Int32, tgid: Int32, ruid: UInt32, euid: UInt32)
        case gid(pid: Int32, tgid: Int32, rgid: UInt32, egid: UInt32)
        case comm(pid: Int32, tgid: Int32, comm: Comm)
        /// A process exit only when `pid == tgid`; otherwise a thread's.
        case exit(pid: Int32, tgid: Int32)
        /// PROC_EVENT_NONE: the kernel's answer to a control message
        /// (`error` is an errno, 0 for success).
        case ack(error: Int32)
    }
}
