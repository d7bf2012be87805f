/// Every number of generic netlink and of the kernel's taskstats family
/// that uproc reads or writes, defined once: messages are built and
/// decoded as bytes at these offsets (as `KernelABI` does for the proc
/// connector), and `CLinuxProc.h` pins each to the kernel's headers with
/// `_Static_assert`.
package enum TaskStatsABI {
    // MARK: netlink (linux/netlink.h)

    /// `NETLINK_GENERIC`: the socket protocol.
    package static let netlinkGeneric: Int32 = 16
    /// `NLMSG_ERROR`: an acknowledgement (error 0) or a refusal.
    package static let nlmsgError: UInt16 = 2
    /// `NLM_F_REQUEST`, `NLM_F_ACK`.
    package static let flagRequest: UInt16 = 0x1
    package static let flagAcknowledge: UInt16 = 0x4
    /// Offsets in `struct nlmsghdr` beyond `KernelABI`'s.
    package static let nlmsgFlagsOffset = 6
    package static let nlmsgSequenceOffset = 8
    /// `struct nlmsgerr {int error; struct nlmsghdr msg}`: the error, then
    /// the header of the message it answers.
    package static let errorSize = 20
    /// `NLA_HDRLEN`, `NLA_ALIGNTO`, `NLA_TYPE_MASK`.
    package static let attributeHeaderSize = 4
    package static let attributeAlignment = 4
    package static let attributeTypeMask: UInt16 = 0x3FFF

    // MARK: generic netlink (linux/genetlink.h)

    /// `GENL_HDRLEN`: `struct genlmsghdr {cmd, version, reserved}`.
    package static let genericHeaderSize = 4
    /// `GENL_ID_CTRL`: the controller, which names the families.
    package static let controllerID: UInt16 = 0x10
    package static let controllerGetFamily: UInt8 = 3
    package static let controllerNewFamily: UInt8 = 1
    package static let controllerFamilyID: UInt16 = 1
    package static let controllerFamilyName: UInt16 = 2

    // MARK: taskstats (linux/taskstats.h)

    /// `TASKSTATS_GENL_NAME`, `TASKSTATS_GENL_VERSION`.
    package static let familyName = "TASKSTATS"
    package static let familyVersion: UInt8 = 1
    /// `TASKSTATS_CMD_GET` (requests), `TASKSTATS_CMD_NEW` (records).
    package static let commandGet: UInt8 = 1
    package static let commandNew: UInt8 = 2
    /// `TASKSTATS_TYPE_*`: attributes of a record.
    package static let typePID: UInt16 = 1
    package static let typeTGID: UInt16 = 2
    package static let typeStats: UInt16 = 3
    package static let typeAggregatePID: UInt16 = 4
    package static let typeAggregateTGID: UInt16 = 5
    /// `TASKSTATS_CMD_ATTR_*`: attributes of a request.
    package static let registerCPUMask: UInt16 = 3
    package static let deregisterCPUMask: UInt16 = 4

    /// Offsets in `struct taskstats` (fields only grow at its end; a
    /// shorter record, from an older kernel, lacks the later ones).
    package enum Stats {
        package static let version = 0  // u16
        package static let exitCode = 4  // u32
        package static let flag = 8  // u8
        /// `cpu_run_virtual_total`: the scheduler's exact runtime, ns.
        package static let runtime = 72  // u64
        package static let comm = 80  // char[32]
        package static let commLength = 32
        package static let uid = 120  // u32
        package static let gid = 124
        package static let pid = 128
        package static let parentPID = 132
        package static let beginSeconds = 136  // u32
        package static let elapsed = 144  // u64, µs
        package static let userTime = 152  // u64, µs (tick-sampled)
        package static let systemTime = 160
        package static let highWaterRSS = 200  // u64, KiB
        package static let readBytes = 248
        package static let writeBytes = 256
        package static let beginSeconds64 = 344  // v10
        package static let tgid = 368  // u32, v11
    }

    /// `ac_flag` bits (linux/acct.h): `AGROUP` marks the record of the
    /// last thread of its group (taskstats version 11, Linux 5.17, on).
    package static let flagGroupEnded: UInt8 = 0x20
    /// The first version whose records carry `ac_tgid` and `AGROUP`.
    package static let groupVersion: UInt16 = 11

    /// `NLA_ALIGN`.
    @inline(__always)
    package static func attributeAlign(_ length: Int) -> Int {
        (length + attributeAlignment - 1) & ~(attributeAlignment - 1)
    }
}
