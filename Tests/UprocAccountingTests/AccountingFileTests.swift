import Testing
import UprocAccounting
import UprocEvents

@Suite struct AccountingFileTests {
    static let snapshot = AccountingSnapshot(
        sampledNanoseconds: 123_456_789_012_345, sinceSeconds: 1_796_530_000, exact: true,
        totals: SlotTotals(usage: ResourceUsage(userMicroseconds: 12_345_678, systemMicroseconds: 1_234_567,
                                                readBytes: 4096, writeBytes: 1_052_672),
                           residentBytes: 123_456_789, processes: 12, starts: 57,
                           exits: ExitCounts(success: 40, failure: 3, signal: 2)),
        interval: AccountingSnapshot.Interval(nanoseconds: 5_000_000_000, cpuMicroseconds: 40_000, readBytes: 0, writeBytes: 8192))

    static let text = """
        uproc-accounting 1
        sampled 123456789012345
        since 1796530000
        exact 1
        processes 12
        memory_bytes 123456789
        cpu_user_us 12345678
        cpu_system_us 1234567
        read_bytes 4096
        write_bytes 1052672
        starts 57
        exits_success 40
        exits_failure 3
        exits_signal 2
        interval_ns 5000000000
        interval_cpu_us 40000
        interval_read_bytes 0
        interval_write_bytes 8192

        """

    @Test func encodesOneKeyValueLineEachAfterTheHeader() {
        #expect(String(decoding: AccountingFile.encode(Self.snapshot), as: UTF8.self) == Self.text)
    }

    @Test func decodesWhatItEncodes() throws {
        #expect(try AccountingFile.decode(Array(Self.text.utf8)) == Self.snapshot)
        var extreme = Self.snapshot
        extreme.totals.usage = ResourceUsage(userMicroseconds: .max, systemMicroseconds: 0, readBytes: .max, writeBytes: 1)
        extreme.exact = false
        #expect(try AccountingFile.decode(AccountingFile.encode(extreme)) == extreme)
    }

    /// A later version of the format adds keys: readers of this one skip them.
    @Test func ignoresKeysItDoesNotKnow() throws {
        let text = Self.text.replacingOccurrences(of: "exact 1\n", with: "exact 1\ncpu_pressure_us 5\n")
        #expect(try AccountingFile.decode(Array(text.utf8)) == Self.snapshot)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var text: String
        var error: AccountingFileError
        var testDescription: String { "\(error)" }
    }

    @Test(arguments: [
        Bad(text: "", error: .notAnAccountingFile),
        Bad(text: "1234\n5678\n", error: .notAnAccountingFile),
        Bad(text: "uproc-accounting 2\nsampled 1\n", error: .unsupportedVersion("2")),
        Bad(text: AccountingFileTests.text.replacingOccurrences(of: "starts 57", with: "starts fifty"), error: .malformedLine(11)),
        Bad(text: AccountingFileTests.text.replacingOccurrences(of: "starts 57", with: "starts -1"), error: .malformedLine(11)),
        Bad(text: AccountingFileTests.text.replacingOccurrences(of: "starts 57", with: "starts"), error: .malformedLine(11)),
        Bad(text: AccountingFileTests.text.replacingOccurrences(of: "memory_bytes 123456789\n", with: ""),
            error: .missingKey("memory_bytes")),
        Bad(text: AccountingFileTests.text.replacingOccurrences(of: "interval_ns 5000000000\n", with: ""),
            error: .missingKey("interval_ns")),
    ])
    func refusesWhatIsNotAVersion1File(_ example: Bad) {
        #expect(throws: example.error) { try AccountingFile.decode(Array(example.text.utf8)) }
    }

    /// The interval is what the counters grew by since the sample before;
    /// none at the first, and none over a clock that did not advance.
    @Test func theIntervalIsTheGrowthSinceTheSampleBefore() {
        var totals = SlotTotals(usage: ResourceUsage(userMicroseconds: 1_000, systemMicroseconds: 500, readBytes: 10, writeBytes: 20))
        let first = AccountingSnapshot(totals: totals, sampledNanoseconds: 7_000_000_000, previous: nil, sinceSeconds: 1, exact: true)
        #expect(first.interval == AccountingSnapshot.Interval())
        totals.usage.userMicroseconds += 250_000
        totals.usage.writeBytes += 4096
        let second = AccountingSnapshot(totals: totals, sampledNanoseconds: 12_000_000_000, previous: first, sinceSeconds: 1,
                                        exact: true)
        #expect(second.interval == AccountingSnapshot.Interval(nanoseconds: 5_000_000_000, cpuMicroseconds: 250_000,
                                                               readBytes: 0, writeBytes: 4096))
        let again = AccountingSnapshot(totals: totals, sampledNanoseconds: 12_000_000_000, previous: second, sinceSeconds: 1,
                                       exact: true)
        #expect(again.interval == AccountingSnapshot.Interval())
    }

    /// The ledger's totals go to the file unchanged.
    @Test func theLedgersTotalsRoundTrip() throws {
        var ledger = AccountingLedger(slotCount: 1, exact: true)
        ledger.forked(7, into: SlotSet([0]))
        ledger.sampled(7, ResourceUsage(userMicroseconds: 30, writeBytes: 4096), residentBytes: 1 << 20)
        let totals = ledger.totals()[0]
        let snapshot = AccountingSnapshot(sampledNanoseconds: 5, sinceSeconds: 6, exact: true, totals: totals)
        #expect(try AccountingFile.decode(AccountingFile.encode(snapshot)).totals == totals)
    }
}
