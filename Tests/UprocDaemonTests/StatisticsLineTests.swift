import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// The statistics line: the same fields on SIGUSR1 and at stop, and
    /// exactly the ones man/uprocd.8 describes under STATISTICS.
    @Suite struct StatisticsLine {
        /// The `.TP` tags of the man page's STATISTICS section.
        static func documentedFields() throws -> Set<String> {
            let page = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("man/uprocd.8")
            let lines = try String(contentsOf: page, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(of: ".SH STATISTICS") else { return [] }
            let section = Array(lines[(start + 1)...].prefix { !$0.hasPrefix(".SH ") })
            return Set(section.indices.dropLast().filter { section[$0] == ".TP" }.map {
                section[$0 + 1].replacingOccurrences(of: ".B ", with: "").replacingOccurrences(of: "\\-", with: "-")
            })
        }

        @Test func sigusr1AndStopLogTheDocumentedFields() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4241 a\n")
            let daemon = try await harness.startDaemon()
            daemon.signal(SIGUSR1)
            let onSignal = try await daemon.waitForLine(within: .seconds(5)) { $0.hasSuffix("statistics") }
            try await daemon.stop()
            let atStop = daemon.lines().last { $0.hasSuffix("stopped") }
            let signalFields = Set(Daemon.metadata(try #require(onSignal, "no statistics line after SIGUSR1")).keys)
            let stopFields = Set(Daemon.metadata(try #require(atStop, "no stopped line")).keys)
            #expect(signalFields == stopFields)
            let documented = try Self.documentedFields()
            #expect(signalFields.subtracting(documented).isEmpty,
                    "logged but not in uprocd(8) STATISTICS: \(signalFields.subtracting(documented).sorted())")
            #expect(documented.subtracting(signalFields).isEmpty,
                    "in uprocd(8) STATISTICS but not logged: \(documented.subtracting(signalFields).sorted())")
        }
    }
}
