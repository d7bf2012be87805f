import UprocLinux
import UprocRules

/// Who may read each namespace file: with `/proc` mounted `hidepid`, no
/// more than `/proc` shows (a namespace of one user's processes: that user,
/// root and the `gid=` group; any other: root and the `gid=` group);
/// otherwise everyone.
struct FileAccessPolicy {
    let visibility: ProcVisibility
    /// Per namespace index; empty when files are world-readable.
    private(set) var access: [FileAccess] = []

    init(visibility: ProcVisibility, table: DecisionTable) {
        self.visibility = visibility
        update(table)
    }

    mutating func update(_ table: DecisionTable) {
        guard visibility.hidesProcesses else { return }
        access = (0..<table.namespaceCount).map { index in
            FileAccess(mode: 0o400, readerUser: table.selectedUser(of: NamespaceID(index)), readerGroup: visibility.gid)
        }
    }

    func access(of id: NamespaceID) -> FileAccess? {
        access.isEmpty ? nil : access[Int(id.index)]
    }
}
