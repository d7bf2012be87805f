/// What `fstat` says of an opened file: enough to decide whether to trust it.
public struct FileAttributes: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case directory, regular, other
    }

    public var kind: Kind
    public var owner: UInt32
    /// Permission bits (`st_mode & 0o7777`).
    public var permissions: UInt32

    public init(kind: Kind, owner: UInt32, permissions: UInt32) {
        self.kind = kind
        self.owner = owner
        self.permissions = permissions
    }
}
