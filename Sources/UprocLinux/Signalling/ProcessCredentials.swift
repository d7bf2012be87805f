/// A process's real and effective user and group IDs, as the kernel holds
/// them (not as `/proc` formats them).
package struct ProcessCredentials: Hashable, Sendable {
    package var ruid: UInt32
    package var euid: UInt32
    package var rgid: UInt32
    package var egid: UInt32

    package init(ruid: UInt32, euid: UInt32, rgid: UInt32, egid: UInt32) {
        self.ruid = ruid
        self.euid = euid
        self.rgid = rgid
        self.egid = egid
    }
}
