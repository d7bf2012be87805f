/// What the rules can ask of a process: its real and effective IDs and its
/// name as `/proc` shows it. A value type without references, so a table
/// of 10,000 of them is one flat allocation.
@usableFromInline package struct ProcessIdentity: Hashable, Sendable {
    @usableFromInline package var ruid: UInt32
    @usableFromInline package var euid: UInt32
    @usableFromInline package var rgid: UInt32
    @usableFromInline package var egid: UInt32
    @usableFromInline package var comm: ProcessName

    @inlinable
    package init(ruid: UInt32, euid: UInt32, rgid: UInt32, egid: UInt32, comm: ProcessName) {
        self.ruid = ruid
        self.euid = euid
        self.rgid = rgid
        self.egid = egid
        self.comm = comm
    }

    /// Same real and effective IDs.
    @inlinable
    package init(uid: UInt32, gid: UInt32, comm: ProcessName) {
        self.init(ruid: uid, euid: uid, rgid: gid, egid: gid, comm: comm)
    }

    /// Inlined into the tracker's memo, which compares on every event.
    @inlinable
    package static func == (lhs: ProcessIdentity, rhs: ProcessIdentity) -> Bool {
        lhs.euid == rhs.euid && lhs.egid == rhs.egid && lhs.ruid == rhs.ruid && lhs.rgid == rhs.rgid && lhs.comm == rhs.comm
    }

    @usableFromInline package func hash(into hasher: inout Hasher) {
        hasher.combine(ruid)
        hasher.combine(euid)
        hasher.combine(rgid)
        hasher.combine(egid)
        hasher.combine(comm)
    }
}
