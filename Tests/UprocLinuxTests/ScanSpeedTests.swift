import Testing
import UprocLinux
import UprocRules
import UprocTestSupport

/// Figures for the hot paths (printed); bounds are loose and catch only
/// pathological slowness.
@Suite(.serialized) struct ScanSpeedTests {
    @Test func scanningProc() throws {
        let reader = try ProcReader()
        for keys: RuleKeys in [[.uid], [.cmd], [.ids, .cmd]] {
            var count = 0
            let start = MonotonicClock.nanoseconds()
            try reader.scan(reading: keys) { _, _ in count += 1 }
            let elapsed = MonotonicClock.nanoseconds() - start
            print("scan \(keys.rawValue): \(count) processes, \(elapsed / 1000) µs, \(elapsed / UInt64(max(count, 1))) ns each")
            #expect(count > 1)
            #expect(elapsed / UInt64(count) < 1_000_000)
        }
    }
}
