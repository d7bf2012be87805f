import UprocLinux
import UprocRules

/// Who may read each namespace file: with `/proc` mounted `hidepid`, no
/// more than `/proc` shows (a namespace of one user's processes: that user,
/// root and the `gid=` group; any other: root and the `gid=` group);
/// otherwise everyone.
struct FileAccessPolicy {
    let visibility: ProcVisibility
    /// Per namespace index, under `hidepid`: the one user besides root who
    /// may read its file, or `noUser`; empty when files are world-readable.
    /// Only the user differs between namespaces: 4 bytes each, where a
    /// `FileAccess` apiece took 20 (2 MB at 100,000 namespaces).
    private(set) var readers: [UInt32] = []
    /// The kernel's "no ID": never a rule's value.
    static let noUser = UInt32.max

    init(visibility: ProcVisibility, table: DecisionTable) {
        self.visibility = visibility
        update(table)
    }

    mutating func update(_ table: DecisionTable) {
        guard visibility.hidesProcesses else { return }
        readers = (0..<table.namespaceCount).map { table.selectedUser(of: NamespaceID($0)) ?? Self.noUser }
    }

    /// A template's namespace's access: `user` is its one reader besides
    /// root, or nil.
    func access(ofUser user: UInt32?) -> FileAccess? {
        guard visibility.hidesProcesses else { return nil }
        return FileAccess(mode: 0o400, readerUser: user, readerGroup: visibility.gid)
    }

    func access(of id: NamespaceID) -> FileAccess? {
        guard !readers.isEmpty else { return nil }
        let user = readers[Int(id.index)]
        return FileAccess(mode: 0o400, readerUser: user == Self.noUser ? nil : user, readerGroup: visibility.gid)
    }
}
