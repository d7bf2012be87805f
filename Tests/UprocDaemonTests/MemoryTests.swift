import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Reloads must not leave memory resident: the heap is trimmed after
    /// each one, once its transients are gone, so the daemon's anonymous
    /// memory after many reloads is what it was after start-up.
    @Suite struct Memory {
        static let rules = 40_000
        static let reloads = 6
        /// Well below what one reload's transients leave (16 bytes a
        /// namespace for the changed names alone: 625 KiB here), well above
        /// the noise of a few pages.
        static let marginKiB = 256

        @Test func anonymousMemoryAfterReloadsStaysAtTheStartUpLevel() async throws {
            try Kernel.require()
            let base = (0..<Self.rules - 1).map { "uid \(100_000 + $0) uid.\(100_000 + $0)\n" }.joined()
            // Two versions: every reload compiles a whole new table.
            let versions = [base + "uid 4294967290 marker.a\n", base + "uid 4294967290 marker.b\n"]
            let harness = try Harness(config: versions[0])
            let daemon = try await harness.startDaemon()
            try await Task.sleep(for: .seconds(1))
            let startUp = try Self.anonymousKiB(daemon.pid)
            var afterFirst = 0
            for round in 1...Self.reloads {
                try harness.rewriteConfig(versions[round % 2])
                daemon.signal(SIGHUP)
                // The rename (the config watch) and the signal: two reloads,
                // one applies the new rules, the other finds nothing new.
                let ended = try await Self.waitForReloads(daemon, applied: round, all: 2 * round)
                #expect(ended, "reload \(round) not applied and skipped within 20 s\(harness.daemonLogTail())")
                if !ended { return }
                // The heap is trimmed half a second after a reload.
                if round == 1 {
                    try await Task.sleep(for: .seconds(1))
                    afterFirst = try Self.anonymousKiB(daemon.pid)
                }
            }
            try await Task.sleep(for: .seconds(1))
            let afterAll = try Self.anonymousKiB(daemon.pid)
            #expect(
                afterFirst <= startUp + Self.marginKiB,
                "RssAnon \(startUp) KiB after start-up, \(afterFirst) KiB after the first reload of \(Self.rules) rules")
            #expect(
                afterAll <= startUp + Self.marginKiB,
                "RssAnon \(startUp) KiB after start-up, \(afterAll) KiB after \(Self.reloads) reloads of \(Self.rules) rules")
            try await daemon.stop()
        }

        /// Nothing the daemon keeps grows with the number of events: after a
        /// first storm has grown its reused buffers, more storms of forks
        /// and exits in a watched namespace leave RssAnon where it was.
        @Test func anonymousMemoryDoesNotGrowWithEvents() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4217 storm\nuid 4218 quiet\n")
            let daemon = try await harness.startDaemon()
            // A subshell is a fork and an exit, no exec: one FORK and one EXIT event each.
            let storm = Harness.setpriv(uid: 4217) + ["/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do (:); i=$((i + 1)); done"]
            func stormAndSettle() async throws {
                let result = try await harness.run(storm)
                #expect(result.exit == .exited(0))
                try await harness.waitUntil(namespace: "storm", is: [])
                try await Task.sleep(for: .milliseconds(200))
            }
            try await stormAndSettle()
            let afterFirst = try Self.anonymousKiB(daemon.pid)
            for _ in 0..<3 { try await stormAndSettle() }
            let afterAll = try Self.anonymousKiB(daemon.pid)
            #expect(
                afterAll <= afterFirst + Self.marginKiB,
                "RssAnon \(afterFirst) KiB after one storm of 3,000 forks, \(afterAll) KiB after three more")
            try await daemon.stop()
        }

        /// `RssAnon` of /proc/PID/status, in KiB.
        static func anonymousKiB(_ pid: Int32) throws -> Int {
            let line = Harness.procText(pid, "status")?.split(separator: "\n").first { $0.hasPrefix("RssAnon:") }
            guard let line, let value = line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap({ Int($0) })
            else { throw HarnessError("no RssAnon in /proc/\(pid)/status") }
            return value
        }

        /// Waits (20 s) until the daemon logged `applied` applied reloads and
        /// `all` ended ones (applied or skipped as unchanged).
        static func waitForReloads(_ daemon: Daemon, applied: Int, all: Int) async throws -> Bool {
            let end = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < end {
                let lines = daemon.lines()
                let appliedNow = lines.count { $0.hasSuffix(" reloaded") }
                let skippedNow = lines.count { $0.hasSuffix(" reload skipped: the rules' input is unchanged") }
                if appliedNow >= applied && appliedNow + skippedNow >= all { return true }
                try await Task.sleep(for: .milliseconds(10))
            }
            return false
        }
    }
}
