import Testing
import UprocTestSupport
import UprocEvents

/// A figure for the hot path (printed); the bound is loose and catches only
/// pathological slowness.
@Suite(.serialized) struct DecodeSpeedTests {
    @Test func decodingAMillionEvents() {
        let datagram = Datagrams.message(what: Datagrams.exec, timestamp: 1, data: Datagrams.ints(42, 42))
        let rounds = 1_000_000
        var seen = 0
        let clock = ContinuousClock()
        let start = clock.now
        datagram.withUnsafeBytes { bytes in
            for _ in 0..<rounds {
                ProcEventDecoder.decode(bytes) { event in
                    if case .exec(let pid, _) = event.kind { seen &+= Int(pid) }
                }
            }
        }
        let elapsed = clock.now - start
        print("decode: \(elapsed / rounds) per event")
        #expect(seen == 42 * rounds)
        #expect(elapsed < .seconds(5))
    }
}
