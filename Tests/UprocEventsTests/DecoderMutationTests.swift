import Foundation
import Testing
import UprocEvents
import UprocTestSupport

/// A seeded mutation run over real-shaped datagrams (batches of every event
/// kind, then bytes flipped, cut, duplicated): never traps, at most one event
/// per 16 bytes. `UPROC_FUZZ_RUNS` sets the count (CI: the default; a long
/// run: 1000000). The libFuzzer run is tools/fuzz/run.
@Suite struct DecoderMutationTests {
    static let runs = Int(ProcessInfo.processInfo.environment["UPROC_FUZZ_RUNS"] ?? "") ?? 20_000

    @Test func mutatedDatagramsNeverTrapAndStayBounded() {
        var random = SplitMix64(seed: 0xDA7A)
        let messages = [
            Datagrams.message(what: Datagrams.fork, data: Datagrams.ints(1, 1, 2, 2)),
            Datagrams.message(what: Datagrams.exec, data: Datagrams.ints(2, 2)),
            Datagrams.message(what: Datagrams.uid, data: Datagrams.ints(2, 2, 1000, 1000)),
            Datagrams.message(what: Datagrams.gid, data: Datagrams.ints(2, 2, 1000, 1000)),
            Datagrams.message(what: Datagrams.comm, data: Datagrams.ints(2, 2) + Array("sleep".utf8)),
            Datagrams.message(what: Datagrams.exit, data: Datagrams.ints(2, 2, 0, 9, 1, 1)),
            Datagrams.message(what: Datagrams.sid, data: Datagrams.ints(2, 2)),
        ]
        let start = ContinuousClock.now
        var events = 0
        for run in 0..<Self.runs {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...4, using: &random) { bytes += messages.randomElement(using: &random)! }
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.removeLast(Int.random(in: 0...min(bytes.count, 24), using: &random))
                case 2: bytes.insert(contentsOf: bytes[at..<min(at + 8, bytes.count)], at: at)
                default: bytes[at] ^= 0x80
                }
            }
            var count = 0
            bytes.withUnsafeBytes { ProcEventDecoder.decode($0) { _ in count += 1 } }
            events += count
            if count > bytes.count / 16 {
                Issue.record("run \(run): \(count) events from \(bytes.count) bytes")
                return
            }
        }
        #expect(events > Self.runs / 4, "the mutations left most datagrams decodable")
        print("decoder mutations: \(Self.runs) datagrams, \(events) events in \(ContinuousClock.now - start)")
    }
}
