import UprocRules

/// One process event from the kernel's proc connector.
public struct ProcEvent: Hashable, Sendable {
    /// `proc_event.timestamp_ns`: CLOCK_MONOTONIC nanoseconds (see `MonotonicClock`).
    public var timestamp: UInt64
    public var kind: Kind

    public init(timestamp: UInt64, kind: Kind) {
        self.timestamp = timestamp
        self.kind = kind
    }

    public enum Kind: Hashable, Sendable {
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

/// Sets of event types, as the kernel's filter (`proc_input.event_type`, 6.6+) takes them.
public struct ProcEventTypes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let fork = ProcEventTypes(rawValue: 0x0000_0001)
    public static let exec = ProcEventTypes(rawValue: 0x0000_0002)
    public static let uid = ProcEventTypes(rawValue: 0x0000_0004)
    public static let gid = ProcEventTypes(rawValue: 0x0000_0040)
    public static let sid = ProcEventTypes(rawValue: 0x0000_0080)
    public static let ptrace = ProcEventTypes(rawValue: 0x0000_0100)
    public static let comm = ProcEventTypes(rawValue: 0x0000_0200)
    public static let coredump = ProcEventTypes(rawValue: 0x4000_0000)
    public static let exit = ProcEventTypes(rawValue: 0x8000_0000)

    /// What uprocd needs to keep its table right.
    public static let tracking: ProcEventTypes = [.fork, .exec, .uid, .gid, .comm, .exit]
}
