import Testing
import UprocAccounting
import UprocEvents
import UprocTop

@Suite struct TopTableTests {
    static let rows = [
        TopRow(name: "uid.alice", processes: 12, cpuPercent: 3.25, residentBytes: UInt64(512) << 20, readPerSecond: 0,
               writePerSecond: 4096, exits: 40, failures: 2),
        TopRow(name: "cmd.burn", processes: 2, cpuPercent: 103.44, residentBytes: 3 << 20, readPerSecond: 1_572_864,
               writePerSecond: 0, exits: 1_000, failures: 0),
        TopRow(name: "gid.www-data-with-a-long-name", processes: 130, cpuPercent: 0, residentBytes: UInt64(3) << 30,
               readPerSecond: 10, writePerSecond: 2_500_000, exits: 7, failures: 7),
    ]

    @Test func sortsByCPUByDefaultAndFitsAWideTerminal() {
        let lines = TopTable.render(Self.rows, TopOptions(width: 120))
        #expect(lines == [
            "3 namespaces, 144 processes, CPU 106.7%, exits 1047 (9 failed)",
            "NAMESPACE                      PROCS   CPU%    MEM  READ/s WRITE/s  EXITS FAILED",
            "cmd.burn                           2  103.4   3.0M    1.5M       0   1000      0",
            "uid.alice                         12    3.3   512M       0    4.0K     40      2",
            "gid.www-data-with-a-long-name    130    0.0   3.0G      10    2.4M      7      7",
        ])
    }

    @Test(arguments: [
        (TopSortKey.mem, ["gid.www-data-with-a-long-name", "uid.alice", "cmd.burn"]),
        (.write, ["gid.www-data-with-a-long-name", "uid.alice", "cmd.burn"]),
        (.read, ["cmd.burn", "gid.www-data-with-a-long-name", "uid.alice"]),
        (.procs, ["gid.www-data-with-a-long-name", "uid.alice", "cmd.burn"]),
        (.exits, ["cmd.burn", "uid.alice", "gid.www-data-with-a-long-name"]),
        (.failed, ["gid.www-data-with-a-long-name", "uid.alice", "cmd.burn"]),
        (.name, ["cmd.burn", "gid.www-data-with-a-long-name", "uid.alice"]),
    ])
    func sortsByTheKeyGiven(_ key: TopSortKey, _ names: [String]) {
        #expect(TopTable.arrange(Self.rows, TopOptions(sort: key)).map(\.name) == names)
    }

    /// Ties go by name; a namespace without rates yet sorts last by a rate.
    @Test func tiesGoByNameAndMissingRatesLast() {
        let rows = [
            TopRow(name: "b", processes: 1, cpuPercent: 5, residentBytes: 0, readPerSecond: 0, writePerSecond: 0, exits: 0, failures: 0),
            TopRow(name: "c", processes: 1, cpuPercent: nil, residentBytes: 0, readPerSecond: nil, writePerSecond: nil,
                   exits: 0, failures: 0),
            TopRow(name: "a", processes: 1, cpuPercent: 5, residentBytes: 0, readPerSecond: 0, writePerSecond: 0, exits: 0, failures: 0),
        ]
        #expect(TopTable.arrange(rows, TopOptions()).map(\.name) == ["a", "b", "c"])
        #expect(TopTable.render(rows, TopOptions(sort: .name)).last == "c              1      -      0       -       -      0      0")
    }

    @Test func showsAtMostTheRowsAsked() {
        let lines = TopTable.render(Self.rows, TopOptions(limit: 1))
        #expect(lines.count == 3 && lines[2].hasPrefix("cmd.burn "))
        #expect(lines[0].hasPrefix("3 namespaces, 144 processes"), "the summary counts every namespace")
        #expect(TopTable.render(Self.rows, TopOptions(limit: 0)).count == 2)
    }

    /// A narrow terminal: names are cut to 12 first, then columns go, least
    /// telling first, but never the one sorted by; no line is wider than
    /// the terminal.
    struct Narrow: Sendable, CustomTestStringConvertible {
        var width: Int
        var key: TopSortKey
        var titles: [String]
        var testDescription: String { "\(width) columns, sorted by \(key)" }
    }

    @Test(arguments: [
        Narrow(width: 80, key: .cpu, titles: ["NAMESPACE", "PROCS", "CPU%", "MEM", "READ/s", "WRITE/s", "EXITS", "FAILED"]),
        Narrow(width: 63, key: .cpu, titles: ["NAMESPACE", "PROCS", "CPU%", "MEM", "READ/s", "WRITE/s", "EXITS", "FAILED"]),
        Narrow(width: 62, key: .cpu, titles: ["NAMESPACE", "PROCS", "CPU%", "MEM", "READ/s", "WRITE/s", "FAILED"]),
        Narrow(width: 50, key: .cpu, titles: ["NAMESPACE", "PROCS", "CPU%", "MEM", "READ/s", "WRITE/s"]),
        Narrow(width: 50, key: .exits, titles: ["NAMESPACE", "PROCS", "CPU%", "MEM", "READ/s", "EXITS"]),
        Narrow(width: 30, key: .cpu, titles: ["NAMESPACE", "CPU%", "MEM"]),
        Narrow(width: 20, key: .cpu, titles: ["NAMESPACE", "CPU%"]),
    ])
    func aNarrowTerminalCutsNamesThenDropsColumns(_ example: Narrow) {
        let (width, key, titles) = (example.width, example.key, example.titles)
        let lines = TopTable.render(Self.rows, TopOptions(sort: key, width: width))
        for line in lines { #expect(line.count <= width, "\(line)") }
        #expect(lines[1].split(separator: " ").map(String.init) == titles)
    }

    @Test func cutNamesEndInAPlus() {
        #expect(TopTable.render(Self.rows, TopOptions(width: 63)).contains { $0.hasPrefix("gid.www-dat+    130 ") })
        #expect(TopTable.render(Self.rows, TopOptions(width: 70)).contains { $0.hasPrefix("gid.www-data-with-+    130 ") })
        // Columns dropped, the names get the room back.
        #expect(TopTable.render(Self.rows, TopOptions(width: 30))[4] == "gid.www-data-wi+    0.0   3.0G")
        #expect(TopTable.render(Self.rows, TopOptions(width: 12))[2] == "cmd.+  103.4")
    }

    /// Rates come from the file's last interval; before the daemon's second
    /// sample there are none.
    @Test func aRowTakesItsRatesFromTheLastInterval() {
        let totals = SlotTotals(usage: ResourceUsage(userMicroseconds: 9_000_000), residentBytes: 64 << 20, processes: 3,
                                starts: 9, exits: ExitCounts(success: 4, failure: 1, signal: 1))
        let snapshot = AccountingSnapshot(
            sampledNanoseconds: 50_000_000_000, sinceSeconds: 1, exact: true, totals: totals,
            interval: AccountingSnapshot.Interval(nanoseconds: 2_000_000_000, cpuMicroseconds: 500_000, readBytes: 4096,
                                                  writeBytes: 1 << 21))
        let row = TopRow(name: "uid.bob", snapshot: snapshot)
        #expect(row == TopRow(name: "uid.bob", processes: 3, cpuPercent: 25, residentBytes: 64 << 20, readPerSecond: 2048,
                              writePerSecond: 1_048_576, exits: 6, failures: 2))
        var first = snapshot
        first.interval = AccountingSnapshot.Interval()
        first.exact = false
        let early = TopRow(name: "uid.bob", snapshot: first)
        #expect(early.cpuPercent == nil && early.readPerSecond == nil && !early.exact)
        #expect(TopTable.summary([early]).hasSuffix("without exit records: processes shorter than an interval are not counted"))
    }

    static let byteTexts: [(Double, String)] = [
        (0, "0"), (1023, "1023"), (1024, "1.0K"), (10 * 1024, "10K"), (1023.6 * 1024, "1.0M"),
        (1.5 * 1024 * 1024 * 1024, "1.5G"), (500 * 1024 * 1024 * 1024 * 1024, "500T"),
    ]

    @Test(arguments: byteTexts)
    func bytesFitFiveColumns(_ value: Double, _ text: String) {
        #expect(TopUnits.bytes(value) == text)
    }

    @Test func countsAndPercentsFitSixColumns() {
        #expect(TopUnits.count(999_999) == "999999" && TopUnits.count(1_234_567) == "1.2M" && TopUnits.count(45_600_000) == "46M")
        #expect(TopUnits.percent(0) == "0.0" && TopUnits.percent(199.96) == "200.0" && TopUnits.percent(12_345.6) == "12346")
    }

    /// A name with a control character (uproc-top reads any directory it is
    /// given) cannot move the cursor.
    @Test func controlCharactersInNamesAreShownAsQuestionMarks() {
        let row = TopRow(name: "evil\u{1B}[2J", processes: 0, cpuPercent: nil, residentBytes: 0, readPerSecond: nil,
                         writePerSecond: nil, exits: 0, failures: 0)
        #expect(TopTable.render([row], TopOptions())[2].hasPrefix("evil?[2J "))
    }
}
