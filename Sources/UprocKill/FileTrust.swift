import UprocLinux

/// Whether a namespace directory or file may be believed: anyone who can
/// write it could name any process for the caller to signal.
package enum FileTrust {
    package enum Problem: Hashable, Sendable {
        /// Not the kind expected (a directory, or a regular file).
        case wrongKind(FileAttributes.Kind)
        /// Owned by someone other than root or the caller.
        case foreignOwner(UInt32)
        /// Writable by group or others (the permission bits).
        case writableByOthers(permissions: UInt32)
    }

    /// Nil when `attributes` describe a `kind` owned by root or by
    /// `callerUID` and writable by nobody else; else the first problem.
    package static func problem(with attributes: FileAttributes, expected kind: FileAttributes.Kind,
                               callerUID: UInt32) -> Problem? {
        if attributes.kind != kind { return .wrongKind(attributes.kind) }
        if attributes.owner != 0 && attributes.owner != callerUID { return .foreignOwner(attributes.owner) }
        if attributes.permissions & 0o022 != 0 { return .writableByOthers(permissions: attributes.permissions) }
        return nil
    }
}
