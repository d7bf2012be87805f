/// What `fstat` says of an opened file: enough to decide whether to trust it.
package struct FileAttributes: Hashable, Sendable {
    package enum Kind: Hashable, Sendable {
        case directory, regular, other
    }

    package var kind: Kind
    package var owner: UInt32
    /// Permission bits (`st_mode & 0o7777`).
    package var permissions: UInt32

    package init(kind: Kind, owner: UInt32, permissions: UInt32) {
        self.kind = kind
        self.owner = owner
        self.permissions = permissions
    }
}
