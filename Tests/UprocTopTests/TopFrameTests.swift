import Testing
import UprocAccounting
import UprocEvents
import UprocTop

@Suite struct TopFrameTests {
    static func file(_ name: String, cpu: UInt64, processes: Int) -> (name: String, bytes: [UInt8]) {
        let snapshot = AccountingSnapshot(
            sampledNanoseconds: 10_000_000_000, sinceSeconds: 1, exact: true,
            totals: SlotTotals(usage: ResourceUsage(userMicroseconds: cpu), processes: processes),
            interval: AccountingSnapshot.Interval(nanoseconds: 1_000_000_000, cpuMicroseconds: cpu))
        return (name, AccountingFile.encode(snapshot))
    }

    /// Every file is a row; a file that is not an accounting file is
    /// counted, not shown, and said so under the table.
    @Test func rowsFromFilesAndANoteForTheRest() {
        let files = [Self.file("uid.alice", cpu: 250_000, processes: 3), ("junk", Array("hello\n".utf8)),
                     Self.file("cmd.make", cpu: 900_000, processes: 1)]
        let lines = TopFrame.lines(files, skipped: 1, options: TopOptions())
        #expect(lines == [
            "2 namespaces, 4 processes, CPU 115.0%, exits 0 (0 failed)",
            "NAMESPACE  PROCS   CPU%    MEM  READ/s WRITE/s  EXITS FAILED",
            "cmd.make       1   90.0      0       0       0      0      0",
            "uid.alice      3   25.0      0       0       0      0      0",
            "2 accounting files not shown (not readable by this user, or not uprocd's)",
        ])
    }

    @Test func anEmptyDirectorySaysWhatToCheck() {
        #expect(TopFrame.lines([], skipped: 0, options: TopOptions()).last
                == "no accounting files: is uprocd running, with this directory?")
    }
}
