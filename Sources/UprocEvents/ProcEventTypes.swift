/// Sets of event types, as the kernel's filter (`proc_input.event_type`, 6.6+) takes them.
public struct ProcEventTypes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let fork = ProcEventTypes(rawValue: KernelABI.What.fork)
    public static let exec = ProcEventTypes(rawValue: KernelABI.What.exec)
    public static let uid = ProcEventTypes(rawValue: KernelABI.What.uid)
    public static let gid = ProcEventTypes(rawValue: KernelABI.What.gid)
    public static let sid = ProcEventTypes(rawValue: KernelABI.What.sid)
    public static let ptrace = ProcEventTypes(rawValue: KernelABI.What.ptrace)
    public static let comm = ProcEventTypes(rawValue: KernelABI.What.comm)
    public static let coredump = ProcEventTypes(rawValue: KernelABI.What.coredump)
    public static let exit = ProcEventTypes(rawValue: KernelABI.What.exit)

    /// What uprocd needs to keep its table right.
    public static let tracking: ProcEventTypes = [.fork, .exec, .uid, .gid, .comm, .exit]
}
