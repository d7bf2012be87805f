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
        let group = visibility.gid
        let mode: UInt32 = group == nil ? 0o400 : 0o440
        access = (0..<table.namespaceCount).map { index in
            FileAccess(mode: mode, group: group ?? 0, reader: table.selectedUser(of: NamespaceID(index)))
        }
    }

    func access(of id: NamespaceID) -> FileAccess? {
        access.isEmpty ? nil : access[Int(id.index)]
    }
}
