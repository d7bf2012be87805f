import Glibc

/// Who may read a published file besides its owner (the daemon's user):
/// its mode for everyone, plus at most one user and one group through a
/// POSIX ACL. An ACL, not `chown`: a user owning the file could chmod and
/// then write it, and giving a file to a group needs `CAP_CHOWN`, which the
/// service does not have.
package struct FileAccess: Hashable, Sendable {
    /// The mode when no ACL entry is needed (owner and everyone).
    package var mode: UInt32
    /// One more user who may read the file.
    package var readerUser: UInt32?
    /// One more group whose members may read the file.
    package var readerGroup: UInt32?

    package init(mode: UInt32, readerUser: UInt32? = nil, readerGroup: UInt32? = nil) {
        self.mode = mode
        self.readerUser = readerUser
        self.readerGroup = readerGroup
    }

    /// Without `hidepid`: anyone may read, nobody but the daemon write.
    package static let worldReadable = FileAccess(mode: 0o444)

    /// Applies mode and ACL to a file the daemon just created.
    func apply(to fd: Int32, subject: @autoclosure () -> String) -> Result<Void, SystemCallError> {
        if readerUser != nil || readerGroup != nil {
            var acl = Self.accessACL(user: readerUser, group: readerGroup)
            let result = acl.withUnsafeMutableBytes { raw in
                syscall("fsetxattr", subject: subject()) {
                    systemFsetxattr(fd, "system.posix_acl_access", raw.baseAddress, raw.count, 0)
                }
            }
            switch result {
            case .success:
                return .success(())
            case .failure(let error) where error.errno == .notSupported:
                // No ACLs on this file system: the owner alone (stricter).
                break
            case .failure(let error):
                return .failure(error)
            }
        }
        return syscall("fchmod", subject: subject()) { fchmod(fd, mode_t(mode & 0o444)) }.map { _ in () }
    }

    /// The kernel's binary ACL (`posix_acl_xattr`, version 2, entries by
    /// tag): owner r, `user` r, owning group nothing, `group` r, mask r,
    /// others nothing. Setting it also sets the mode (0440).
    static func accessACL(user: UInt32?, group: UInt32?) -> [UInt8] {
        let undefined = UInt32.max
        var entries: [(tag: UInt16, perm: UInt16, id: UInt32)] = [(0x01, 4, undefined)]
        if let user { entries.append((0x02, 4, user)) }
        entries.append((0x04, 0, undefined))
        if let group { entries.append((0x08, 4, group)) }
        entries += [(0x10, 4, undefined), (0x20, 0, undefined)]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + 8 * entries.count)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(UInt32(2))
        for entry in entries {
            append(entry.tag)
            append(entry.perm)
            append(entry.id)
        }
        return bytes
    }
}

/// glibc's `fsetxattr` (`<sys/xattr.h>` is not in the Glibc module).
@_silgen_name("fsetxattr")
private func systemFsetxattr(
    _ fd: Int32, _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer?, _ size: Int, _ flags: Int32
) -> Int32
