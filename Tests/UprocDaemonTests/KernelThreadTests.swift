import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Kernel threads are processes like any other: each is listed by its
    /// IDs, and a `cmd` rule sees the name `pgrep -x` sees, however long.
    @Suite struct KernelThreadNames {
        @Test func everyKernelThreadIsListedAndCmdMatchesWhatPgrepMatches() async throws {
            try Kernel.require()
            let long = KernelThreads.longStableNames()
            // Linux 6.18 shows several (pool_workqueue_release, rcu_tasks_kthread...).
            let chosen = try #require(KernelThreads.sample(), "no kernel thread: \(KernelThreads.list())")
            let harness = try Harness(config: "uid 0 uid.root\ncmd \"\(chosen.name)\" kt\n")
            let daemon = try await harness.startDaemon(arguments: ["-c", harness.config, "--min-interval", "1", "--audit-interval", "1", harness.out])

            let pgrep = try KernelThreads.pgrep(exactly: chosen.name)
            #expect(pgrep.contains(chosen.pid))
            try await harness.waitUntil(namespace: "kt", is: pgrep)

            // Every kernel thread that ran before the daemon and still runs is in uid.root.
            let before = KernelThreads.list()
            var missing: [KernelThreads.Thread] = []
            try await harness.waitUntil(namespace: "uid.root", "every kernel thread (\(before.count))") { listed in
                let running = Set(KernelThreads.list().map(\.pid))
                missing = before.filter { running.contains($0.pid) && !listed.contains($0.pid) }
                return missing.isEmpty
            }
            #expect(missing.isEmpty, "not listed: \(missing)")
            #expect(long.allSatisfy { thread in missing.allSatisfy { $0.pid != thread.pid } })

            // The audit (every second here) finds nothing to correct, and no read failed.
            var counters: [String: String] = [:]
            let end = ContinuousClock.now + .seconds(10)
            repeat {
                let asked = daemon.lines().count { $0.hasSuffix("statistics") }
                daemon.signal(SIGUSR1)
                _ = try await daemon.waitForLine { _ in daemon.lines().count { $0.hasSuffix("statistics") } > asked }
                counters = Daemon.metadata(daemon.lines().last { $0.hasSuffix("statistics") } ?? "")
                if Int(counters["audits"] ?? "") ?? 0 >= 2 { break }
                try await Task.sleep(for: .milliseconds(200))
            } while ContinuousClock.now < end
            #expect(Int(counters["audits"] ?? "") ?? 0 >= 2, "\(counters)")
            #expect(counters["drift"] == "0", "\(counters)")
            #expect(counters["proc_read_failures"] == "0", "\(counters)")
            #expect(!daemon.log().contains("drifted"), "\(harness.daemonLogTail())")
            try await daemon.stop()
        }
    }
}
