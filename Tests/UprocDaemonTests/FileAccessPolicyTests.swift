import Testing
import UprocLinux
import UprocRules
@testable import UprocDaemon

/// Who may read each namespace file under `hidepid`, and what knowing it
/// costs at 100,000 namespaces.
@Suite struct FileAccessPolicyTests {
    static let table = DecisionTable(rules: [
        Rule(conditions: [.id(.uid, 1000)], namespace: "alice"),
        Rule(conditions: [.id(.ruid, 1001), .comm("bash")], namespace: "bobs-shells"),
        Rule(conditions: [.id(.gid, 100)], namespace: "users"),
        Rule(conditions: [.id(.uid, 1000), .id(.ruid, 1001)], namespace: "mixed"),
    ])

    @Test func underHidepidAOneUserNamespaceIsThatUsersAndTheGroups() {
        let policy = FileAccessPolicy(visibility: ProcVisibility(hidepid: "invisible", gid: 4254), table: Self.table)
        let access = (0..<4).map { policy.access(of: NamespaceID($0)) }
        #expect(access == [
            FileAccess(mode: 0o400, readerUser: 1000, readerGroup: 4254),
            FileAccess(mode: 0o400, readerUser: 1001, readerGroup: 4254),
            FileAccess(mode: 0o400, readerUser: nil, readerGroup: 4254),
            FileAccess(mode: 0o400, readerUser: nil, readerGroup: 4254),
        ])
    }

    /// A template's namespace (made at run time) is read as a rule's: its
    /// one user and the group under hidepid, everyone without it.
    @Test func aTemplatesNamespaceHasItsUsersAccess() {
        let hidden = FileAccessPolicy(visibility: ProcVisibility(hidepid: "invisible", gid: 4254), table: Self.table)
        #expect(hidden.access(ofUser: 4255) == FileAccess(mode: 0o400, readerUser: 4255, readerGroup: 4254))
        #expect(hidden.access(ofUser: nil) == FileAccess(mode: 0o400, readerUser: nil, readerGroup: 4254))
        #expect(FileAccessPolicy(visibility: ProcVisibility(), table: Self.table).access(ofUser: 4255) == nil)
    }

    @Test func withoutHidepidFilesAreWorldReadableAndNothingIsKept() {
        let policy = FileAccessPolicy(visibility: ProcVisibility(), table: Self.table)
        #expect(policy.access(of: NamespaceID(0)) == nil)
        #expect(policy.readers.isEmpty)
    }

    @Test func aNamespaceCostsFourBytes() {
        // A `FileAccess` per namespace was 20 bytes: 2 MB at 100,000.
        let rules = (0..<1_000).map { Rule(conditions: [.id(.uid, UInt32($0))], namespace: "uid.\($0)") }
        let policy = FileAccessPolicy(visibility: ProcVisibility(hidepid: "2"), table: DecisionTable(rules: rules))
        #expect(policy.readers.count == 1_000)
        #expect(MemoryLayout.stride(ofValue: policy.readers[0]) == 4)
        #expect(policy.access(of: NamespaceID(999)) == FileAccess(mode: 0o400, readerUser: 999, readerGroup: nil))
    }
}
