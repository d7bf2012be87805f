import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Reloads under abuse: a config saved many times a second, a daemon
    /// killed in the middle of a large reload.
    @Suite struct ReloadEndurance {
        /// More than 50 saves a second for ten seconds (renamed over, as
        /// editors save): the daemon keeps up, ends in the last save's state,
        /// and its anonymous memory after the storm is what it was after the
        /// first two seconds of it. A control daemon on an unedited copy
        /// tracks the same processes: what the machine's other processes
        /// add to both is not counted against the reloads.
        @Test func fiftyEditsASecondKeepMemorySteadyAndEndInTheLastState() async throws {
            try Kernel.require()
            let base = (0..<1_000).map { "uid \(100_000 + $0) u\($0)\n" }.joined()
            let harness = try Harness(config: base + "uid 4481 v0\n")
            let controlConfig = harness.root + "/control.conf"
            try Harness.write(base + "uid 4481 v0\n", to: controlConfig)
            let control = try await harness.startDaemon(arguments: [
                "-c", controlConfig, "--min-interval", "1", "--log-level", "debug", harness.root + "/control",
            ])
            let daemon = try await harness.startDaemon()
            let member = try harness.spawn(uid: 4481, ["/bin/sleep", "60"]).pid
            try await harness.waitUntil(namespace: "v0", is: [member])

            var edits = 0
            /// Saves every 15 ms (about 66 a second) for `seconds`.
            func storm(seconds: Int) async throws -> Double {
                let start = ContinuousClock.now
                var next = start
                while ContinuousClock.now - start < .seconds(seconds) {
                    edits += 1
                    try harness.rewriteConfig(base + "uid 4481 v\(edits)\n")
                    next += .milliseconds(15)
                    let now = ContinuousClock.now
                    if next > now { try await Task.sleep(for: next - now) }
                }
                let elapsed = ContinuousClock.now - start
                return Double(edits) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            _ = try await storm(seconds: 2)
            try await harness.waitUntil(namespace: "v\(edits)", is: [member], deadline: .seconds(5))
            try await Task.sleep(for: .seconds(1))  // the heap is trimmed after a reload
            let warm = try Memory.anonymousKiB(daemon.pid)
            let controlWarm = try Memory.anonymousKiB(control.pid)
            let editsBefore = edits
            let rate = try await storm(seconds: 8)
            #expect(Double(edits - editsBefore) / 8 >= 50, "only \(edits - editsBefore) saves in 8 s (\(rate)/s overall)")
            try await harness.waitUntil(namespace: "v\(edits)", is: [member], deadline: .seconds(5))
            try await Task.sleep(for: .seconds(1))
            let after = try Memory.anonymousKiB(daemon.pid)
            let controlAfter = try Memory.anonymousKiB(control.pid)
            #expect(after - warm <= controlAfter - controlWarm + Memory.marginKiB,
                    "RssAnon \(warm) KiB after 2 s of saves, \(after) KiB after 8 s more (\(edits) saves); the control's \(controlWarm) then \(controlAfter) KiB")
            #expect(harness.content("v\(edits - 1)") == nil)
            #expect(harness.outEntries()?.count == 1_000 + 2)
            let reloads = daemon.lines().count { $0.hasSuffix(" reloaded") }
            #expect(reloads >= 2 && reloads <= edits, "\(reloads) reloads for \(edits) saves")
            try await daemon.stop()
            try await control.stop()
        }

        static let rules = 100_000

        /// SIGKILL while a reload of 100,000 rules that renames every
        /// namespace is writing its files: the next start serves the new
        /// config exactly (every old file gone, every new one there, members
        /// right).
        @Test func aDaemonKilledInsideALargeReloadLeavesWhatTheNextStartServes() async throws {
            try Kernel.require()
            func config(_ prefix: String) -> String {
                (0..<Self.rules).map { "uid \(100_000 + $0) \(prefix)\($0)\n" }.joined() + "uid 4482 keep\n"
            }
            let harness = try Harness(config: config("a"))
            let first = try harness.launchDaemon()
            try await first.waitForStarted()
            let member = try harness.spawn(uid: 4482, ["/bin/sleep", "60"]).pid
            try await harness.waitUntil(namespace: "keep", is: [member])

            try harness.rewriteConfig(config("b"))
            let end = ContinuousClock.now + .seconds(20)
            let probes = ["b0", "b\(Self.rules / 2)", "b\(Self.rules - 1)"].map { harness.out + "/" + $0 }
            while !probes.contains(where: { access($0, F_OK) == 0 }) && ContinuousClock.now < end {
                try await Task.sleep(for: .microseconds(200))
            }
            first.signal(SIGKILL)
            _ = try await first.waitForExit()
            // The reload removes the old files, then writes the new ones: it was cut short.
            let left = harness.outEntries() ?? []
            #expect(left.count < Self.rules + 2, "the kill came after the reload had ended")

            let second = try harness.launchDaemon()
            guard (try await second.waitForLine(within: .seconds(30)) { Daemon.isStarted($0) }) != nil else {
                Issue.record("the second daemon did not start: \(second.log())")
                return
            }
            let expected = [".uprocd.names", "keep"] + (0..<Self.rules).map { "b\($0)" }
            #expect(harness.outEntries() == expected.sorted(),
                    "the killed daemon left \(left.count) entries; now \(harness.outEntries()?.count ?? 0)")
            #expect(harness.pids("keep") == [member])
            #expect(harness.content("b0") == "")
            try await second.stop()
        }
    }
}
