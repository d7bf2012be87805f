import Testing
import UprocKill
import UprocLinux

@Suite struct NamespaceListTests {
    @Test(arguments: [
        ("", []), ("1\n", [1]), ("1\n22\n333\n", [1, 22, 333]), ("7\n5", [7, 5]), ("2147483647\n", [Int32.max]),
    ] as [(String, [Int32])])
    func readsWhatTheDaemonWrites(_ text: String, _ pids: [Int32]) {
        #expect(NamespaceList.parse(Array(text.utf8)) == .success(pids))
    }

    @Test(arguments: [
        ("x\n", 1), ("1\n\n2\n", 2), ("1\n2 \n", 2), ("0\n", 1), ("1\n-3\n", 2), ("2147483648\n", 1),
        ("99999999999999999999\n", 1), ("1\r\n", 1), ("\n", 1), ("1\n2\nabc", 3),
    ] as [(String, Int)])
    func refusesAnythingElseNamingTheLine(_ text: String, _ line: Int) {
        #expect(NamespaceList.parse(Array(text.utf8)) == .failure(.notAPID(line: line)))
    }
}

@Suite struct FileTrustTests {
    @Test(arguments: [(0, 0o755), (1000, 0o755), (0, 0o700), (1000, 0o1755), (0, 0o4755)] as [(UInt32, UInt32)])
    func trustsRootOrTheCallerWhenNobodyElseCanWrite(_ owner: UInt32, _ permissions: UInt32) {
        let attributes = FileAttributes(kind: .directory, owner: owner, permissions: permissions)
        #expect(FileTrust.problem(with: attributes, expected: .directory, callerUID: 1000) == nil)
    }

    @Test func refusesAnotherOwner() {
        let attributes = FileAttributes(kind: .regular, owner: 1001, permissions: 0o644)
        #expect(FileTrust.problem(with: attributes, expected: .regular, callerUID: 1000) == .foreignOwner(1001))
        // Root trusts only root's files (and its own, which are root's).
        #expect(FileTrust.problem(with: attributes, expected: .regular, callerUID: 0) == .foreignOwner(1001))
    }

    @Test(arguments: [0o775, 0o757, 0o777, 0o1777, 0o664, 0o646] as [UInt32])
    func refusesWritableByGroupOrOthers(_ permissions: UInt32) {
        let attributes = FileAttributes(kind: .regular, owner: 0, permissions: permissions)
        #expect(FileTrust.problem(with: attributes, expected: .regular, callerUID: 0) == .writableByOthers(permissions: permissions))
    }

    @Test func refusesTheWrongKind() {
        let fifo = FileAttributes(kind: .other, owner: 0, permissions: 0o644)
        #expect(FileTrust.problem(with: fifo, expected: .regular, callerUID: 0) == .wrongKind(.other))
        let directory = FileAttributes(kind: .directory, owner: 0, permissions: 0o755)
        #expect(FileTrust.problem(with: directory, expected: .regular, callerUID: 0) == .wrongKind(.directory))
    }
}
