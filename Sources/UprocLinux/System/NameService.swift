import Glibc
import UprocRules

/// One user or group as the system's name service (NSS) reports it.
package struct NameServiceEntry: Hashable, Sendable {
    /// The name's bytes as NSS returned them (not necessarily UTF-8).
    package var nameBytes: [UInt8]
    package var id: UInt32

    /// The name, with invalid UTF-8 repaired (for display).
    package var name: String { String(decoding: nameBytes, as: UTF8.self) }

    package init(name: String, id: UInt32) {
        self.init(nameBytes: Array(name.utf8), id: id)
    }

    package init(nameBytes: [UInt8], id: UInt32) {
        self.nameBytes = nameBytes
        self.id = id
    }
}

/// Resolves names in rules through NSS (`getpwnam_r`, `getgrnam_r`), so
/// LDAP and SSSD accounts resolve as `id alice` would; lists the accounts
/// NSS enumerates (`getpwent`, `getgrent`) for account templates. The
/// listing is not thread-safe: compile on one thread.
package struct SystemAccounts: AccountResolver {
    package init() {}

    package func accounts(in database: AccountDatabase) -> [AccountName]? {
        let entries = database == .users ? NameServiceEnumeration.users() : NameServiceEnumeration.groups()
        return entries.map { AccountName(name: $0.nameBytes, id: $0.id) }
    }

    package func userID(named name: String) -> UInt32? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        return withLookupBuffer { buffer in
            let status = getpwnam_r(name, &entry, buffer.baseAddress!, buffer.count, &result)
            return status == 0 && result != nil ? entry.pw_uid : nil
        }
    }

    package func groupID(named name: String) -> UInt32? {
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
package enum NameServiceEnumeration {
    // String(cString:) would repair invalid UTF-8 and hide it from the
    // namespace-name check: keep the bytes.
    private static func cStringBytes(_ pointer: UnsafePointer<CChar>?) -> [UInt8] {
        guard let pointer else { return [] }
        return Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer)))
    }

    package static func users() -> [NameServiceEntry] {
        var entries: [NameServiceEntry] = []
        setpwent()
        defer { endpwent() }
        while let entry = getpwent() {
            entries.append(NameServiceEntry(nameBytes: cStringBytes(entry.pointee.pw_name), id: entry.pointee.pw_uid))
        }
        return entries
    }

    package static func groups() -> [NameServiceEntry] {
        var entries: [NameServiceEntry] = []
        setgrent()
        defer { endgrent() }
        while let entry = getgrent() {
            entries.append(NameServiceEntry(nameBytes: cStringBytes(entry.pointee.gr_name), id: entry.pointee.gr_gid))
        }
        return entries
    }
}
