/// Kernel constants defined once: every number of the netlink proc
/// connector's wire format that uproc reads or writes. The Swift importer
/// drops the `NLMSG_*` macros and `cn_msg.data[]`, so datagrams are built
/// and decoded as bytes at these offsets; `CLinuxProc.h` pins each number
/// to the kernel's headers with `_Static_assert` (it mirrors this file).
package enum KernelABI {
    // MARK: netlink (linux/netlink.h)

    /// `NETLINK_CONNECTOR`: the socket protocol.
    package static let netlinkConnector: Int32 = 11
    /// `NLMSG_DONE`: the type the connector gives its messages.
    package static let nlmsgDone: UInt16 = 3
    /// `NLMSG_MIN_TYPE`: types below are netlink's own (NOOP, ERROR, OVERRUN).
    package static let nlmsgMinType: UInt16 = 0x10
    /// `NLMSG_ALIGNTO`.
    package static let nlmsgAlignment = 4
    /// `sizeof(struct nlmsghdr)` (= `NLMSG_HDRLEN`).
    package static let nlmsghdrSize = 16
    /// Offsets in `struct nlmsghdr`.
    package static let nlmsgLengthOffset = 0
    package static let nlmsgTypeOffset = 4
    package static let nlmsgPortOffset = 12

    // MARK: connector (linux/connector.h)

    /// `CN_IDX_PROC`: the proc connector's index, also its multicast group.
    package static let cnIdxProc: UInt32 = 1
    /// `CN_VAL_PROC`.
    package static let cnValProc: UInt32 = 1
    /// `sizeof(struct cn_msg)`, without `data[]`.
    package static let cnMsgSize = 20
    /// Offsets in `struct cn_msg`.
    package static let cnIndexOffset = 0
    package static let cnValueOffset = 4
    package static let cnSequenceOffset = 8
    package static let cnAcknowledgementOffset = 12
    package static let cnLengthOffset = 16

    // MARK: proc connector (linux/cn_proc.h)

    /// `enum proc_cn_mcast_op`.
    package static let procCnMcastListen: UInt32 = 1
    package static let procCnMcastIgnore: UInt32 = 2
    /// `sizeof(struct proc_input)` (6.6+: `{mcast_op, event_type}`); the
    /// classic form is the bare 4-byte op.
    package static let procInputSize = 8

    /// `enum what` in `struct proc_event`; also the filter bits of `proc_input.event_type`.
    package enum What {
        package static let none: UInt32 = 0x0000_0000
        package static let fork: UInt32 = 0x0000_0001
        package static let exec: UInt32 = 0x0000_0002
        package static let uid: UInt32 = 0x0000_0004
        package static let gid: UInt32 = 0x0000_0040
        package static let sid: UInt32 = 0x0000_0080
        package static let ptrace: UInt32 = 0x0000_0100
        package static let comm: UInt32 = 0x0000_0200
        /// Filter-only bit (6.6+): report only exits with a non-zero status.
        package static let nonzeroExit: UInt32 = 0x2000_0000
        package static let coredump: UInt32 = 0x4000_0000
        package static let exit: UInt32 = 0x8000_0000
        /// `PROC_EVENT_ALL` (6.6+): every type, as the subscription probe asks.
        package static let all: UInt32 = fork | exec | uid | gid | sid | ptrace | comm | nonzeroExit | coredump | exit
    }

    /// `sizeof(struct proc_event)`.
    package static let procEventSize = 40
    /// Offsets in `struct proc_event`.
    package static let eventWhatOffset = 0
    package static let eventTimestampOffset = 8
    package static let eventDataOffset = 16
    /// Bytes of `event_data` each kind needs (offsets below are relative to `event_data`):
    /// `fork {parent_pid, parent_tgid, child_pid, child_tgid}`, `id {pid, tgid, r, e}`,
    /// `exec/exit {pid, tgid, ...}`, `ack {err}`, `comm {pid, tgid, comm[16]}`.
    package static let commOffset = 8
    package static let commLength = 16
    /// `exit {pid, tgid, exit_code, exit_signal, ...}`.
    package static let exitCodeOffset = 8
    package static let exitSignalOffset = 12

    /// `NLMSG_ALIGN`.
    @inline(__always)
    package static func nlmsgAlign(_ length: Int) -> Int {
        (length + nlmsgAlignment - 1) & ~(nlmsgAlignment - 1)
    }
}
