import Testing
import UprocLinux
import UprocRules
import UprocTestSupport

/// Figures for the hot paths (printed); bounds are loose and catch only
/// pathological slowness.
@Suite(.serialized) struct ScanSpeedTests {
    @Test func decodingAMillionEvents() {
        let datagram = Datagrams.message(what: Datagrams.exec, timestamp: 1, data: Datagrams.ints(42, 42))
        let rounds = 1_000_000
        var seen = 0
        let start = MonotonicClock.nanoseconds()
        datagram.withUnsafeBytes { bytes in
            for _ in 0..<rounds {
                ProcEventDecoder.decode(bytes) { event in
                    if case .exec(let pid, _) = event.kind { seen &+= Int(pid) }
                }
            }
        }
        let elapsed = MonotonicClock.nanoseconds() - start
        print("decode: \(elapsed / UInt64(rounds)) ns per event")
        #expect(seen == 42 * rounds)
        #expect(elapsed < 5_000_000_000)
    }

    @Test func scanningProc() {
        let reader = ProcReader()
        for keys: RuleKeys in [[.uid], [.cmd], [.ids, .cmd]] {
            var count = 0
            let start = MonotonicClock.nanoseconds()
            reader.scan(reading: keys) { _, _ in count += 1 }
            let elapsed = MonotonicClock.nanoseconds() - start
            print("scan \(keys.rawValue): \(count) processes, \(elapsed / 1000) µs, \(elapsed / UInt64(max(count, 1))) ns each")
            #expect(count > 1)
            #expect(elapsed / UInt64(count) < 1_000_000)
        }
    }
}
