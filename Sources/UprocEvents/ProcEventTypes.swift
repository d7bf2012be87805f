/// Sets of event types, as the kernel's filter (`proc_input.event_type`, 6.6+) takes them.
package struct ProcEventTypes: OptionSet, Hashable, Sendable {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    package static let fork = ProcEventTypes(rawValue: KernelABI.What.fork)
    package static let exec = ProcEventTypes(rawValue: KernelABI.What.exec)
    package static let uid = ProcEventTypes(rawValue: KernelABI.What.uid)
    package static let gid = ProcEventTypes(rawValue: KernelABI.What.gid)
    package static let sid = ProcEventTypes(rawValue: KernelABI.What.sid)
    package static let ptrace = ProcEventTypes(rawValue: KernelABI.What.ptrace)
    package static let comm = ProcEventTypes(rawValue: KernelABI.What.comm)
    package static let coredump = ProcEventTypes(rawValue: KernelABI.What.coredump)
    package static let exit = ProcEventTypes(rawValue: KernelABI.What.exit)

    /// What uprocd needs to keep its table right.
    package static let tracking: ProcEventTypes = [.fork, .exec, .uid, .gid, .comm, .exit]
}
