import Testing
import UprocEvents
import UprocTestSupport

@Suite struct WaitStatusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var waitStatus: UInt32
        var outcome: WaitStatus.Outcome
        var core = false
        var testDescription: String { "0x\(String(waitStatus, radix: 16)) is \(outcome)" }
    }

    /// As wait(2) encodes them: `exit(code)` is `code << 8`, a fatal signal
    /// its number, plus 0x80 with a core dump.
    static let cases: [Case] = [
        Case(waitStatus: 0, outcome: .success),
        Case(waitStatus: 1 << 8, outcome: .failure(code: 1)),
        Case(waitStatus: 3 << 8, outcome: .failure(code: 3)),
        Case(waitStatus: 255 << 8, outcome: .failure(code: 255)),
        Case(waitStatus: 9, outcome: .signal(9)),
        Case(waitStatus: 15, outcome: .signal(15)),
        Case(waitStatus: 0x80 | 11, outcome: .signal(11), core: true),
    ]

    @Test(arguments: cases)
    func outcomeIsWhatWaitSays(_ example: Case) {
        let status = WaitStatus(example.waitStatus)
        #expect(status.outcome == example.outcome)
        #expect(status.dumpedCore == example.core)
    }

    /// The EXIT event's `exit_code` and `exit_signal` (SIGCHLD for a
    /// process, -1 for a thread) reach the decoded event.
    @Test(arguments: [(UInt32(3 << 8), Int32(17)), (9, 17), (0, -1), (0x8B, 17)])
    func exitEventsCarryTheirCodeAndParentSignal(code: UInt32, signal: Int32) {
        let bytes = Datagrams.message(what: Datagrams.exit, timestamp: 5,
                                      data: Datagrams.ints(40, 41) + Datagrams.le(code) + Datagrams.ints(signal, 1, 1))
        let events = decode(bytes)
        #expect(events == [ProcEvent(timestamp: 5, kind: .exit(pid: 40, tgid: 41),
                                     exitDetail: ExitDetail(status: WaitStatus(code), parentSignal: signal))])
    }

    /// An exit event too short to hold the code (a connector message cut at
    /// `{pid, tgid}`) still is an exit, without a detail.
    @Test func aShortExitEventHasNoDetail() {
        var bytes = Datagrams.message(what: Datagrams.exit, data: Datagrams.ints(40, 40, 256, 17))
        // cn_msg.len: the 16-byte event header and 8 bytes of event_data.
        bytes.replaceSubrange(32..<34, with: Datagrams.le(UInt16(24)))
        #expect(decode(bytes) == [ProcEvent(timestamp: 0, kind: .exit(pid: 40, tgid: 40))])
    }

    /// Only exits get a detail.
    @Test func otherEventsHaveNone() {
        let bytes = Datagrams.message(what: Datagrams.exec, data: Datagrams.ints(40, 40, 256, 17))
        #expect(decode(bytes).map(\.exitDetail) == [nil])
    }

    private func decode(_ bytes: [UInt8]) -> [ProcEvent] {
        var events: [ProcEvent] = []
        bytes.withUnsafeBytes { ProcEventDecoder.decode($0) { events.append($0) } }
        return events
    }
}
