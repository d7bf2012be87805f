/// What the rules can ask of a process: its real and effective IDs, its
/// name as `/proc` shows it and its audit login UID. A value type without
/// references, so a table of 10,000 of them is one flat allocation. (The
/// executable's path, of any length, is kept aside by whoever holds the
/// process: see `DecisionTable.executableMatches`.)
@usableFromInline package struct ProcessIdentity: Hashable, Sendable {
    /// `/proc/PID/loginuid` of a process no login set it for (the kernel's
    /// `(uid_t)-1`): what `loginuid unset` names.
    @usableFromInline package static let unsetLoginUID: UInt32 = .max

    @usableFromInline package var ruid: UInt32
    @usableFromInline package var euid: UInt32
    @usableFromInline package var rgid: UInt32
    @usableFromInline package var egid: UInt32
    @usableFromInline package var comm: ProcessName
    /// The audit login UID: set by pam_loginuid at login, inherited at fork,
    /// kept across setuid. `unsetLoginUID` when no login set it, or when no
    /// rule asks for it (it is then not read).
    @usableFromInline package var loginuid: UInt32

    @inlinable
    package init(ruid: UInt32, euid: UInt32, rgid: UInt32, egid: UInt32, comm: ProcessName, loginuid: UInt32 = ProcessIdentity.unsetLoginUID) {
        self.ruid = ruid
        self.euid = euid
        self.rgid = rgid
        self.egid = egid
        self.comm = comm
        self.loginuid = loginuid
    }

    /// Same real and effective IDs.
    @inlinable
    package init(uid: UInt32, gid: UInt32, comm: ProcessName, loginuid: UInt32 = ProcessIdentity.unsetLoginUID) {
        self.init(ruid: uid, euid: uid, rgid: gid, egid: gid, comm: comm, loginuid: loginuid)
    }

    /// Inlined into the tracker's memo, which compares on every event.
    @inlinable
    package static func == (lhs: ProcessIdentity, rhs: ProcessIdentity) -> Bool {
        lhs.euid == rhs.euid && lhs.egid == rhs.egid && lhs.ruid == rhs.ruid && lhs.rgid == rhs.rgid && lhs.comm == rhs.comm
            && lhs.loginuid == rhs.loginuid
    }

    @usableFromInline package func hash(into hasher: inout Hasher) {
        hasher.combine(ruid)
        hasher.combine(euid)
        hasher.combine(rgid)
        hasher.combine(egid)
        hasher.combine(comm)
        hasher.combine(loginuid)
    }
}
