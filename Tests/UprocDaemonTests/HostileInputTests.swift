import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Hostile input: diagnostics bounded and linear in the input, numeric options range-checked.
    @Suite struct HostileInput {
        @Test(arguments: [
            ["--min-interval", "9223372036854775807"], ["--min-interval", "-1"], ["--min-interval", "60001"],
            ["--netlink-rcvbuf", "0"], ["--netlink-rcvbuf", "9223372036854775807"],
            ["--netlink-rcvbuf", "99999999999999999999999"],
        ])
        func numericOptionOutOfRangeIsAUsageError(_ option: [String]) async throws {
            let harness = try Harness(config: "uid 4257 a\n")
            let daemon = try harness.launchDaemon(arguments: ["-c", harness.config] + option + [harness.out])
            let status = try await daemon.waitForExit()
            #expect(status == 64, "uprocd \(option): \(daemon.exitDescription)\n\(daemon.log())")
            #expect(daemon.log().contains(option[0]), "the message names the option: \(daemon.log())")
            #expect(harness.outEntries() == nil, "a usage error created the directory")
        }

        // One diagnostic per run of bad bytes, the line clipped.
        @Test func aLineOfControlBytesGivesOneShortDiagnostic() async throws {
            let harness = try Harness(config: "uid 4257 " + String(repeating: "\u{1}", count: 100_000) + "\n")
            let start = ContinuousClock.now
            let check = try await harness.run([Harness.buildDirectory + "/uproc-check", harness.config], stderr: true,
                                              within: .seconds(10))
            #expect(check.exit == .exited(1))
            #expect(check.output.utf8.count < 2_000, "\(check.output.utf8.count) bytes of diagnostics")
            #expect(check.output.components(separatedBy: "error: invalid byte 0x01").count == 2, "\(check.output)")
            #expect(ContinuousClock.now - start < .seconds(3))
        }

        // A cap on the number printed, with how many more there were.
        @Test func manyDiagnosticsStopAfterTwentyWithACount() async throws {
            let harness = try Harness(config: String(repeating: "\u{1} ", count: 50_000) + "\n")
            let check = try await harness.run([Harness.buildDirectory + "/uproc-check", harness.config], stderr: true,
                                              within: .seconds(10))
            #expect(check.exit == .exited(1))
            #expect(check.output.components(separatedBy: ": error: ").count - 1 == 20, "\(check.output)")
            #expect(check.output.contains("\(harness.config): note: 49981 more diagnostics not shown"), "\(check.output)")
            #expect(check.output.utf8.count < 20_000, "\(check.output.utf8.count) bytes")
        }

        // Many warnings are logged linearly and capped (one record each).
        @Test func twentyThousandWarningsStartQuicklyWithTwentyLogged() async throws {
            try Kernel.require()
            var config = ""
            for index in 0..<20_000 { config += "cmd uproctestwarning\(index)x n\(index)\n" }
            let harness = try Harness(config: config)
            let start = ContinuousClock.now
            let daemon = try await harness.startDaemon()
            #expect(ContinuousClock.now - start < .seconds(5))
            let warnings = daemon.lines().filter { $0.contains(" warning ") }
            #expect(warnings.count == 21, "\(warnings.count) warning lines")
            #expect(warnings.last?.contains("19980 more diagnostics not shown") == true, "\(warnings.last ?? "")")
            try await daemon.stop()
        }

        // A failed reload never stalls event handling beyond the compile.
        @Test func aHostileConfigByReloadDoesNotStallEvents() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4257 a\n")
            let daemon = try await harness.startDaemon()
            var hostile = "uid 4257 a\n"
            for _ in 0..<10 { hostile += String(repeating: "\u{1}", count: 500) + " " + String(repeating: "\u{2} ", count: 250) + "\n" }
            try harness.rewriteConfig(hostile)
            daemon.signal(SIGHUP)
            let sleeper = try harness.spawn(uid: 4257, ["/bin/sleep", "30"])
            let start = ContinuousClock.now
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid], deadline: .milliseconds(500))
            print("hostile reload: listed after \(ContinuousClock.now - start)")
            let failed = try await daemon.waitForLine(within: .seconds(2)) { $0.contains("reload failed") }
            #expect(failed != nil)
            #expect(daemon.log().utf8.count < 64_000, "\(daemon.log().utf8.count) bytes logged")
            try await daemon.stop()
        }
    }
}
