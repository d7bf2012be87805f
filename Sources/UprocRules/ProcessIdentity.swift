/// What the rules can ask of a process: its real and effective IDs and its
/// name as `/proc` shows it. A value type without references, so a table
/// of 10,000 of them is one flat allocation.
public struct ProcessIdentity: Hashable, Sendable {
    public var ruid: UInt32
    public var euid: UInt32
    public var rgid: UInt32
    public var egid: UInt32
    public var comm: ProcessName

    @inlinable
    public init(ruid: UInt32, euid: UInt32, rgid: UInt32, egid: UInt32, comm: ProcessName) {
        self.ruid = ruid
        self.euid = euid
        self.rgid = rgid
        self.egid = egid
        self.comm = comm
    }

    /// Same real and effective IDs.
    @inlinable
    public init(uid: UInt32, gid: UInt32, comm: ProcessName) {
        self.init(ruid: uid, euid: uid, rgid: gid, egid: gid, comm: comm)
    }

    /// Inlined into the tracker's memo, which compares on every event.
    @inlinable
    public static func == (lhs: ProcessIdentity, rhs: ProcessIdentity) -> Bool {
        lhs.euid == rhs.euid && lhs.egid == rhs.egid && lhs.ruid == rhs.ruid && lhs.rgid == rhs.rgid && lhs.comm == rhs.comm
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ruid)
        hasher.combine(euid)
        hasher.combine(rgid)
        hasher.combine(egid)
        hasher.combine(comm)
    }
}
