import Foundation
import Testing
import UprocRules
import UprocTestSupport

/// Diagnostics are linear in the input and bounded. A seeded
/// randomized run over hostile shapes (runs of control bytes, huge words,
/// many bad lines); `UPROC_FUZZ_RUNS` sets the count (CI: the default, a
/// long run: 1000000). The libFuzzer run is tools/fuzz/run.
@Suite struct DiagnosticBoundsTests {
    static let runs = Int(ProcessInfo.processInfo.environment["UPROC_FUZZ_RUNS"] ?? "") ?? 1000

    @Test func hostileConfigsGiveLinearBoundedDiagnostics() {
        var random = SplitMix64(seed: 0x8_0007)
        let pieces: [[UInt8]] = [[1], [0], [0x7F], [0xFF], [9], [32], [10], [13, 10], Array("uid".utf8), Array("cmd".utf8),
                                 Array("\"".utf8), Array("\\q".utf8), Array("0".utf8), Array("a.b".utf8), Array("#".utf8)]
        let start = ContinuousClock.now
        var largestRatio = 0.0
        for run in 0..<Self.runs {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                let piece = pieces.randomElement(using: &random)!
                // Long repetitions are the hostile part.
                let repeats = Bool.random(using: &random) ? 1 : Int.random(in: 1...(run % 50 == 0 ? 20_000 : 300), using: &random)
                for _ in 0..<repeats { bytes += piece }
            }
            let source = SourceFile(path: "f", bytes: bytes)
            let compilation = RuleCompiler().compile(source)
            let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            for diagnostic in compilation.diagnostics {
                let line = diagnostic.location.line
                guard line >= 1 && line <= lines.count else {
                    Issue.record("run \(run): line \(line) of \(lines.count)")
                    return
                }
                var length = lines[line - 1].count
                if lines[line - 1].last == 13 { length -= 1 }
                if diagnostic.location.column < 1 || diagnostic.location.column > length + 1 {
                    Issue.record("run \(run): column \(diagnostic.location.column) of \(length)")
                    return
                }
            }
            let rendered = DiagnosticRenderer.render(compilation.diagnostics, in: source)
            let size = rendered.utf8.count
            largestRatio = max(largestRatio, Double(size) / Double(bytes.count + 1_000))
            if size > 10 * bytes.count + 20 * 1024 {
                Issue.record("run \(run): \(size) bytes rendered from \(bytes.count)")
                return
            }
            if compilation.diagnostics.count > 2 * bytes.count + 2 {
                Issue.record("run \(run): \(compilation.diagnostics.count) diagnostics from \(bytes.count) bytes")
                return
            }
        }
        print("diagnostic bounds: \(Self.runs) configs in \(ContinuousClock.now - start); largest rendered/(input+1000) \(largestRatio)")
    }

    @Test func oneDiagnosticPerRunOfBadBytes() {
        let source = SourceFile(path: "f", bytes: Array("uid 1 a".utf8) + [1, 1, 0, 0x7F, 2] + Array("b \"x".utf8) + [3, 3] + Array("\" \u{4}n".utf8))
        let diagnostics = RuleCompiler().compile(source).diagnostics
        #expect(diagnostics.map(\.location.column) == [8, 17, 21])
        #expect(diagnostics.map(\.kind) == [.invalidByte(1), .invalidByte(3), .invalidByte(4)])
    }

    @Test func aLongLineIsClippedAroundTheColumn() {
        let line = "uid 1 " + String(repeating: "a", count: 500) + "\u{1}" + String(repeating: "b", count: 500) + " name"
        let source = SourceFile(path: "f", text: line + "\n")
        let rendered = DiagnosticRenderer.render(RuleCompiler().compile(source).diagnostics, in: source)
        let shown = rendered.split(separator: "\n")
        #expect(shown[0].hasPrefix("f:1:507: error: invalid byte 0x01"))
        #expect(shown[1] == "…" + String(repeating: "a", count: 60) + "\u{FFFD}" + String(repeating: "b", count: 59) + "…")
        #expect(shown[2] == String(repeating: " ", count: 61) + "^")
    }
}
