import UprocLinux
import UprocRules

/// Names looked up in a passwd and a group file, as glibc's files backend
/// does it (the first line with the name wins). A file that cannot be read
/// knows no names. `uprocd --accounts-files` (a test option) resolves its
/// rules' names with these instead of NSS, so that the files it watches
/// are the ones its rules were resolved against.
package struct FileAccounts: AccountResolver {
    private let users: [String: UInt32]
    private let groups: [String: UInt32]

    package init(passwd: String, group: String) {
        users = Self.read(passwd, kind: .user)
        groups = Self.read(group, kind: .group)
    }

    package func userID(named name: String) -> UInt32? { users[name] }

    package func groupID(named name: String) -> UInt32? { groups[name] }

    private static func read(_ path: String, kind: AccountKind) -> [String: UInt32] {
        guard let bytes = try? FileReading.read(path, limit: StarterConfig.fileLimit) else { return [:] }
        var ids: [String: UInt32] = [:]
        for entry in AccountsFile.parse(bytes, path: path, kind: kind).entries {
            let name = String(decoding: entry.name, as: UTF8.self)
            if ids[name] == nil { ids[name] = entry.id }
        }
        return ids
    }
}
