import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Against the real daemon: a namespace whose members are replaced by as many
    /// others is rewritten, even when the PIDs' splitmix64 hashes xor to the same
    /// value. A change check on the member count and such an xor would take the
    /// replacement for no change and list four dead processes for good.
    @Suite struct ExactChange {
        /// Eight PIDs each, below the default pid_max (32768), whose splitmix64 hashes
        /// (`fingerprint`) xor to zero: the first four are replaced by the
        /// last four. Found offline with Wagner's 8-list birthday search (lists of
        /// 3,900 consecutive PIDs from 1,000; pairs matched on the low 2 bits of their
        /// xor, pairs of pairs on 22 more, then all 64). Several sets, as another
        /// process may hold one of the PIDs.
        static let cancellingSets: [[Int32]] = [
            [2617, 7822, 8942, 15676, 16926, 22683, 27990, 30008],
            [1063, 8275, 9622, 16518, 16776, 23746, 26390, 29238],
            [3775, 6346, 9716, 13105, 19680, 23774, 24813, 30581],
            [1197, 8610, 12644, 13570, 19085, 23413, 26405, 31583],
            [3924, 5972, 10448, 14634, 16927, 21578, 26795, 31092],
            [1134, 5151, 10723, 16039, 18333, 21985, 25943, 30415],
        ]

        /// `--min-interval`: the replacement must fall between two allowed rewrites.
        static let intervalMilliseconds = 3000
        static var interval: Duration { .milliseconds(intervalMilliseconds) }

        @Test(arguments: cancellingSets)
        func fingerprintsCancel(_ pids: [Int32]) {
            #expect(Set(pids).count == 8)
            #expect(pids.reduce(0 as UInt64) { $0 ^ Self.fingerprint($1) } == 0)
        }

        /// An xor fingerprint's mix: the splitmix64 finalizer of PID + golden gamma,
        /// which is the first output of SplitMix64 seeded with the PID.
        static func fingerprint(_ pid: Int32) -> UInt64 {
            var generator = SplitMix64(seed: UInt64(pid))
            return generator.next()
        }

        /// The helper the test steers PIDs with: a PID in use is refused, not taken.
        @Test func startingAsAPIDInUseGivesNothing() throws {
            try Kernel.require()
            #expect(try Child.start(["/bin/true"], asPID: getpid()) == nil)
        }

        /// Four members end and four others start between two allowed rewrites:
        /// the count and the xor of fingerprints are those of the file, yet once a
        /// rewrite is allowed the file lists the four live processes, not the dead.
        @Test func membersReplacedByOthersWhoseFingerprintsCancelAreShown() async throws {
            try Kernel.require()
            let pidMax = Int32(String(decoding: FileManager.default.contents(atPath: "/proc/sys/kernel/pid_max") ?? Data(),
                                      as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 32768
            // Free PIDs only (a thread's ID counts: /proc/TID exists); one that
            // gets taken meanwhile, or a run too slow to fit the window, tries
            // the next set. Other tests' processes and threads come and go, so
            // a moment with no free set is waited out.
            var tried = 0
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while tried < 3 && clock.now < deadline {
                let usable = Self.cancellingSets.filter { set in
                    set.allSatisfy { $0 < pidMax && !FileManager.default.fileExists(atPath: "/proc/\($0)") }
                }
                guard let pids = usable.randomElement() else {
                    try await Task.sleep(for: .milliseconds(200))
                    continue
                }
                tried += 1
                if try await replace(Array(pids.prefix(4)), by: Array(pids.suffix(4))) { return }
            }
            Issue.record("could not arrange the replacement inside one --min-interval window with \(tried) PID sets")
        }

        /// Runs `old` until the daemon lists them, then ends them and starts `new` while
        /// no rewrite is allowed; expects the file to list `new` once one is. False when
        /// the replacement could not be arranged (a PID taken, or the run too slow).
        private func replace(_ old: [Int32], by new: [Int32]) async throws -> Bool {
            // A comm of its own (15 bytes), so a run beside this one cannot join.
            let comm = "uproctestxor\(Int.random(in: 100...999))"
            let harness = try Harness(config: "cmd \(comm) xor.test\n")
            let sleep = try harness.link(comm, to: "/bin/sleep")
            var started: [Child] = []
            defer {
                for child in started { child.signal(SIGKILL) }
                for child in started { child.reap(within: .seconds(5)) }
            }
            func start(_ pid: Int32) throws -> Bool {
                guard let child = try Child.start([sleep, "30"], asPID: pid) else { return false }
                started.append(child)
                return true
            }

            // Each file is rewritten at most twice in a row, then once per interval
            // (GCRA, a bucket of two). After three rewrites at p0 < p1 < p2, none
            // comes before max(p0 + 2 × interval, p1 + interval): with p0 the empty
            // file at start-up and p1 the file listing old[0], the file listing all
            // of `old` (p2) holds at least until `windowEnd`.
            let daemonLaunched = ContinuousClock.now
            let daemon = try harness.launchDaemon(arguments: [
                "-c", harness.config, "--min-interval", "\(Self.intervalMilliseconds)",
                "--log-level", "debug", harness.out,
            ])
            try await daemon.waitForStarted()
            try await harness.waitUntil(namespace: "xor.test", is: [])
            let firstStarted = ContinuousClock.now
            guard try start(old[0]) else { return false }
            try await harness.waitUntil(namespace: "xor.test", is: [old[0]])
            for pid in old.dropFirst() {
                guard try start(pid) else { return false }
            }
            try await harness.waitUntil(namespace: "xor.test", is: old, deadline: Self.interval * 3)
            let windowEnd = max(daemonLaunched + Self.interval * 2, firstStarted + Self.interval)

            for child in started { harness.killAndReap(child) }
            started.removeAll()
            for pid in new {
                guard try start(pid) else { return false }
            }
            for pid in new { try await harness.waitForComm(pid, comm) }
            // The daemon reads the events a little later: leave it half a second.
            guard ContinuousClock.now + .milliseconds(500) < windowEnd else { return false }

            // The same count and the same xor of fingerprints as the file's: a
            // daemon that trusted them would leave the four dead PIDs listed.
            try await harness.waitUntil(namespace: "xor.test", is: new, deadline: Self.interval * 3)
            try await daemon.stop()
            return true
        }
    }
}
