/// A process's real and effective user and group IDs, as the kernel holds
/// them (not as `/proc` formats them).
public struct ProcessCredentials: Hashable, Sendable {
    public var ruid: UInt32
    public var euid: UInt32
    public var rgid: UInt32
    public var egid: UInt32

    public init(ruid: UInt32, euid: UInt32, rgid: UInt32, egid: UInt32) {
        self.ruid = ruid
        self.euid = euid
        self.rgid = rgid
        self.egid = egid
    }
}
