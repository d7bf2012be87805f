import UprocLinux
import UprocRules

/// Names looked up in a passwd and a group file, as glibc's files backend
/// does it (the first line with the name wins). A file that cannot be read
/// knows no names. `uprocd --accounts-files` (a test option) resolves its
/// rules' names with these instead of NSS, so that the files it watches
/// are the ones its rules were resolved against.
///
/// They also list the accounts account templates expand over, in file
/// order, as the generator reads them.
package struct FileAccounts: AccountResolver {
    private let users: [String: UInt32]
    private let groups: [String: UInt32]
    private let userList: [AccountName]
    private let groupList: [AccountName]

    package init(passwd: String, group: String) {
        (users, userList) = Self.read(passwd, kind: .user)
        (groups, groupList) = Self.read(group, kind: .group)
    }

    package func userID(named name: String) -> UInt32? { users[name] }

    package func groupID(named name: String) -> UInt32? { groups[name] }

    package func accounts(in database: AccountDatabase) -> [AccountName]? {
        database == .users ? userList : groupList
    }

    private static func read(_ path: String, kind: AccountKind) -> ([String: UInt32], [AccountName]) {
        guard let bytes = try? FileReading.read(path, limit: StarterConfig.fileLimit) else { return ([:], []) }
        var ids: [String: UInt32] = [:]
        var list: [AccountName] = []
        for entry in AccountsFile.parse(bytes, path: path, kind: kind).entries {
            let name = String(decoding: entry.name, as: UTF8.self)
            if ids[name] == nil { ids[name] = entry.id }
            list.append(AccountName(name: entry.name, id: entry.id))
        }
        return (ids, list)
    }
}
