import Glibc

/// Who may read a published file: its mode, group, and at most one more
/// user (through a POSIX ACL entry, so that user cannot chmod the file as
/// an owner could). The owner is always the daemon's user.
public struct FileAccess: Hashable, Sendable {
    public var mode: UInt32
    /// The file's group; nil leaves the daemon's.
    public var group: UInt32?
    /// One more user who may read the file.
    public var reader: UInt32?

    public init(mode: UInt32, group: UInt32? = nil, reader: UInt32? = nil) {
        self.mode = mode
        self.group = group
        self.reader = reader
    }

    /// Without `hidepid`: anyone may read, nobody but the daemon write.
    public static let worldReadable = FileAccess(mode: 0o444)

    /// Applies group, mode and ACL to a file the daemon just created.
    func apply(to fd: Int32, subject: @autoclosure () -> String) -> Result<Void, SystemCallError> {
        if let group {
            if case .failure(let error) = syscall("fchown", subject: subject(), { fchown(fd, UInt32.max, group) }) {
                return .failure(error)
            }
        }
        if let reader {
            var acl = Self.accessACL(reader: reader, groupReads: mode & 0o040 != 0)
            let result = acl.withUnsafeMutableBytes { raw in
                syscall("fsetxattr", subject: subject()) {
                    systemFsetxattr(fd, "system.posix_acl_access", raw.baseAddress, raw.count, 0)
                }
            }
            if case .failure(let error) = result { return .failure(error) }
            return .success(())
        }
        return syscall("fchmod", subject: subject()) { fchmod(fd, mode_t(mode)) }.map { _ in () }
    }

    /// The kernel's binary ACL (`posix_acl_xattr`, version 2): owner r,
    /// `reader` r, group r or nothing, mask r, others nothing. Setting it
    /// also sets the mode (0440).
    static func accessACL(reader: UInt32, groupReads: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        func u16(_ value: UInt16) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8)] }
        func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((value >> UInt32(shift)) & 0xFF)) } }
        u32(2)
        let undefined = UInt32.max
        for (tag, perm, id): (UInt16, UInt16, UInt32) in [
            (0x01, 4, undefined), (0x02, 4, reader), (0x04, groupReads ? 4 : 0, undefined),
            (0x10, 4, undefined), (0x20, 0, undefined),
        ] {
            u16(tag)
            u16(perm)
            u32(id)
        }
        return bytes
    }
}

/// glibc's `fsetxattr` (`<sys/xattr.h>` is not in the Glibc module).
@_silgen_name("fsetxattr")
private func systemFsetxattr(
    _ fd: Int32, _ name: UnsafePointer<CChar>, _ value: UnsafeRawPointer?, _ size: Int, _ flags: Int32
) -> Int32
