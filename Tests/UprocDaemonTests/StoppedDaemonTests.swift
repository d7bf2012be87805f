import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    @Suite struct StoppedDaemon {
        /// A daemon stopped (SIGSTOP) for seconds while fork loops run loses
        /// events (its socket overflows); soon after SIGCONT, with the loops
        /// still running, every file is right again: processes that ended
        /// during the stop are gone, those that started are listed, the
        /// loops' shells are listed, and once the loops end nothing stale
        /// stays behind.
        @Test func everyFileIsRightSoonAfterAStopUnderForkLoops() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4284 churn\nuid 4285 keep\nuid 4286 doomed\n")
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--netlink-rcvbuf", "65536", "--log-level", "debug", harness.out,
            ])
            var keepers = try (0..<2).map { _ in try harness.spawn(uid: 4285, ["/bin/sleep", "30"]) }
            let doomed = try (0..<2).map { _ in try harness.spawn(uid: 4286, ["/bin/sleep", "30"]) }
            let loops = try (0..<2).map { _ in
                try harness.spawn(uid: 4284, ["/bin/sh", "-c", "while :; do /bin/true; done"])
            }
            try await harness.waitUntil(namespace: "keep", is: keepers.map(\.pid))
            try await harness.waitUntil(namespace: "doomed", is: doomed.map(\.pid))
            try await harness.waitUntil(namespace: "churn", "lists both loops") { Set($0).isSuperset(of: loops.map(\.pid)) }

            daemon.signal(SIGSTOP)
            try await Task.sleep(for: .seconds(1))
            for process in doomed { harness.killAndReap(process) }
            keepers += try (0..<2).map { _ in try harness.spawn(uid: 4285, ["/bin/sleep", "30"]) }
            for keeper in keepers.suffix(2) { try await harness.waitForComm(keeper.pid, "sleep") }
            try await Task.sleep(for: .seconds(2))
            daemon.signal(SIGCONT)

            // The loops still run: the files are right while events pour in.
            try await harness.waitUntil(namespace: "keep", is: keepers.map(\.pid))
            try await harness.waitUntil(namespace: "doomed", is: [])
            try await harness.waitUntil(namespace: "churn", "lists both loops") { Set($0).isSuperset(of: loops.map(\.pid)) }
            for loop in loops { harness.killAndReap(loop) }
            try await harness.waitUntil(namespace: "churn", is: [])

            daemon.signal(SIGUSR1)
            let line = try await daemon.waitForLine(within: .seconds(5)) { $0.hasSuffix("statistics") }
            let stats = Daemon.metadata(try #require(line, "no statistics line after SIGUSR1\(harness.daemonLogTail())"))
            #expect(Int(stats["overruns"] ?? "") ?? 0 >= 1, "the stop lost no events: \(stats)")
            #expect(Int(stats["rescans"] ?? "") ?? 0 >= 2, "no rescan after the start-up scan: \(stats)")
            try await daemon.stop()
        }
    }
}
