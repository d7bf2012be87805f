import Testing
import UprocEvents
import UprocRules
import UprocTestSupport

@Suite struct ProcEventDecoderTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var bytes: [UInt8]
        var event: ProcEvent
        var testDescription: String { "\(event.kind)" }
    }

    static let cases: [Case] = [
        Case(bytes: Datagrams.message(what: Datagrams.fork, timestamp: 11, data: Datagrams.ints(100, 101, 200, 201)),
         event: ProcEvent(timestamp: 11, kind: .fork(parentPID: 100, parentTGID: 101, childPID: 200, childTGID: 201))),
        Case(bytes: Datagrams.message(what: Datagrams.exec, timestamp: 12, data: Datagrams.ints(300, 300)),
         event: ProcEvent(timestamp: 12, kind: .exec(pid: 300, tgid: 300))),
        Case(bytes: Datagrams.message(what: Datagrams.uid, timestamp: 13, data: Datagrams.ints(5, 6, 1000, 0)),
         event: ProcEvent(timestamp: 13, kind: .uid(pid: 5, tgid: 6, ruid: 1000, euid: 0))),
        Case(bytes: Datagrams.message(what: Datagrams.gid, timestamp: 14, data: Datagrams.ints(7, 7, 34) + Datagrams.le(UInt32(4_000_000_000))),
         event: ProcEvent(timestamp: 14, kind: .gid(pid: 7, tgid: 7, rgid: 34, egid: 4_000_000_000))),
        Case(bytes: Datagrams.message(what: Datagrams.comm, timestamp: 15,
                           data: Datagrams.ints(8, 9) + Array("Web Content".utf8) + [0, 0, 0, 0, 0]),
         event: ProcEvent(timestamp: 15, kind: .comm(pid: 8, tgid: 9, comm: "Web Content"))),
        Case(bytes: Datagrams.message(what: Datagrams.comm, timestamp: 16,
                           data: Datagrams.ints(8, 8) + [0xFF, 0x41] + Array(repeating: 0x42, count: 14)),
         event: ProcEvent(timestamp: 16, kind: .comm(pid: 8, tgid: 8, comm: Comm([0xFF, 0x41] + Array(repeating: 0x42, count: 13))))),
        Case(bytes: Datagrams.message(what: Datagrams.exit, timestamp: 17, data: Datagrams.ints(10, 11, 0, 17, 1, 1)),
         event: ProcEvent(timestamp: 17, kind: .exit(pid: 10, tgid: 11),
                          exitDetail: ExitDetail(status: WaitStatus(0), parentSignal: 17))),
        Case(bytes: Datagrams.message(what: Datagrams.none, timestamp: 18, data: Datagrams.ints(1)),
         event: ProcEvent(timestamp: 18, kind: .ack(error: 1))),
    ]

    @Test(arguments: cases)
    func decodesEveryKind(_ example: Case) {
        #expect(decode(example.bytes) == [example.event])
    }

    @Test func decodesSeveralMessagesInOneDatagram() {
        let all = Self.cases.flatMap(\.bytes)
        #expect(decode(all) == Self.cases.map(\.event))
    }

    @Test func ignoresWhatItDoesNotKnow() {
        let sid = Datagrams.message(what: Datagrams.sid, data: Datagrams.ints(1, 1))
        let otherConnector = Datagrams.message(what: Datagrams.exec, data: Datagrams.ints(2, 2), connector: (2, 1))
        let noop = Datagrams.message(what: Datagrams.exec, data: Datagrams.ints(3, 3), type: 1)
        let error = Datagrams.message(what: Datagrams.exec, data: Datagrams.ints(4, 4), type: 2)
        let exec = Datagrams.message(what: Datagrams.exec, data: Datagrams.ints(5, 5))
        #expect(decode(sid + otherConnector + noop + error + exec) == [ProcEvent(timestamp: 0, kind: .exec(pid: 5, tgid: 5))])
    }

    @Test func truncatedDatagramsYieldNothingOrTheWholeEvent() {
        for (bytes, event) in Self.cases.map({ ($0.bytes, $0.event) }) {
            for length in 0..<bytes.count {
                let decoded = decode(Array(bytes.prefix(length)))
                #expect(decoded.isEmpty, "prefix \(length) of \(event)")
            }
        }
    }

    @Test func lyingLengthsDoNotTrap() {
        var bytes = Datagrams.message(what: Datagrams.fork, data: Datagrams.ints(1, 2, 3, 4))
        // nlmsg_len larger than the datagram: nothing.
        bytes.replaceSubrange(0..<4, with: Datagrams.le(UInt32(1000)))
        #expect(decode(bytes).isEmpty)
        // nlmsg_len smaller than a header: nothing, and no endless loop.
        bytes.replaceSubrange(0..<4, with: Datagrams.le(UInt32(0)))
        #expect(decode(bytes).isEmpty)
        // cn_msg.len claims more than arrived: the event is cut short, so dropped.
        var short = Datagrams.message(what: Datagrams.fork, data: Datagrams.ints(1, 2, 3, 4))
        short.replaceSubrange(32..<34, with: Datagrams.le(UInt16(0xFFFF)))
        short.removeLast(24 - 12)
        short.replaceSubrange(0..<4, with: Datagrams.le(UInt32(short.count)))
        #expect(decode(short).isEmpty)
    }

    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 0x5EED)
        var decoded = 0
        for round in 0..<5000 {
            let length = Int(generator.next() % 300)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if round % 2 == 0 && length >= 40 {
                // Plausible headers with random bodies reach deeper code.
                bytes.replaceSubrange(0..<4, with: Datagrams.le(UInt32(length - Int(generator.next() % 8))))
                bytes.replaceSubrange(4..<6, with: Datagrams.le(UInt16(3)))
                bytes.replaceSubrange(16..<24, with: Datagrams.le(UInt32(1)) + Datagrams.le(UInt32(1)))
                let kinds = [Datagrams.none, Datagrams.fork, Datagrams.exec, Datagrams.uid, Datagrams.gid,
                             Datagrams.comm, Datagrams.exit]
                bytes.replaceSubrange(36..<40, with: Datagrams.le(kinds[Int(generator.next() % 7)]))
            }
            decoded += decode(bytes).count
        }
        #expect(decoded > 0)  // the plausible half did reach the event switch
    }

    private func decode(_ bytes: [UInt8]) -> [ProcEvent] {
        var events: [ProcEvent] = []
        bytes.withUnsafeBytes { ProcEventDecoder.decode($0) { events.append($0) } }
        return events
    }
}
