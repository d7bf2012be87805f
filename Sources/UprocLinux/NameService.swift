import Glibc
import UprocRules

/// One user or group as the system's name service (NSS) reports it.
public struct NameServiceEntry: Hashable, Sendable {
    public var name: String
    public var id: UInt32

    public init(name: String, id: UInt32) {
        self.name = name
        self.id = id
    }
}

/// Resolves names in rules through NSS (`getpwnam_r`, `getgrnam_r`), so
/// LDAP and SSSD accounts resolve as `id alice` would.
public struct SystemAccounts: AccountResolver {
    public init() {}

    public func userID(named name: String) -> UInt32? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        return withLookupBuffer { buffer in
            let status = getpwnam_r(name, &entry, buffer.baseAddress!, buffer.count, &result)
            return status == 0 && result != nil ? entry.pw_uid : nil
        }
    }

    public func groupID(named name: String) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        return withLookupBuffer { buffer in
            let status = getgrnam_r(name, &entry, buffer.baseAddress!, buffer.count, &result)
            return status == 0 && result != nil ? entry.gr_gid : nil
        }
    }

    private func withLookupBuffer<R>(_ body: (UnsafeMutableBufferPointer<CChar>) -> R) -> R {
        // Large groups list every member; 64 KiB covers what glibc's own
        // tools allocate on the first try.
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1 << 16, body)
    }
}

/// Enumerates every account the name service knows. Not thread-safe
/// (`getpwent` keeps process-wide state): call from one thread.
public enum NameServiceEnumeration {
    public static func users() -> [NameServiceEntry] {
        var entries: [NameServiceEntry] = []
        setpwent()
        defer { endpwent() }
        while let entry = getpwent() {
            entries.append(NameServiceEntry(name: String(cString: entry.pointee.pw_name), id: entry.pointee.pw_uid))
        }
        return entries
    }

    public static func groups() -> [NameServiceEntry] {
        var entries: [NameServiceEntry] = []
        setgrent()
        defer { endgrent() }
        while let entry = getgrent() {
            entries.append(NameServiceEntry(name: String(cString: entry.pointee.gr_name), id: entry.pointee.gr_gid))
        }
        return entries
    }
}
