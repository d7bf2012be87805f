import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    @Suite struct Churn {
        /// 1,000 short-lived processes (fork, exec setpriv, setresuid, exec true, exit; 50 at a
        /// time) leave no stale PID, while long-lived processes of another UID, started before
        /// and during the churn, are listed exactly as `pgrep -u` finds them.
        @Test func thousandShortLivedProcessesLeaveNoStalePID() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4215 churn\nuid 4216 keep\n")
            let daemon = try await harness.startDaemon()

            var keepers = try (0..<5).map { _ in try harness.spawn(uid: 4216, ["/bin/sleep", "30"]) }
            let script = """
                i=0
                while [ $i -lt 1000 ]; do
                    /usr/bin/setpriv --reuid=4215 --regid=4215 --clear-groups /bin/true &
                    i=$((i + 1))
                    if [ $((i % 50)) -eq 0 ]; then wait; fi
                done
                wait
                """
            let churn = try harness.spawn(["/bin/sh", "-c", script])
            let clock = ContinuousClock()
            let began = clock.now
            keepers += try (0..<5).map { _ in try harness.spawn(uid: 4216, ["/bin/sleep", "30"]) }
            // Meanwhile, read the files as a user would: always there, never half written.
            var reads = 0
            var broken: [String] = []
            let limit = clock.now + .seconds(45)
            while churn.isRunning && clock.now < limit {
                for namespace in ["churn", "keep"] {
                    reads += 1
                    guard let text = harness.content(namespace) else {
                        broken.append("\(namespace): missing")
                        continue
                    }
                    if NamespaceFile.parse(text) == nil { broken.append("\(namespace): \(text.debugDescription)") }
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(broken.isEmpty, "\(broken.count) of \(reads) reads saw a missing or malformed file: \(broken.prefix(5))")
            let exit = try await churn.waitForExit(within: .seconds(1))
            #expect(exit == .exited(0), "the churn loop: \(exit.map(\.description) ?? "still running after 45 s")")
            let churnTime = clock.now - began

            try await harness.waitUntil(namespace: "churn", is: [])
            let keeperPIDs = keepers.map(\.pid).sorted()
            try await harness.waitUntil(namespace: "keep", is: keeperPIDs)
            let pgrep = try await harness.run(["/usr/bin/pgrep", "-u", "4216"])
            #expect(pgrep.exit == .exited(0))
            let found = pgrep.output.split(separator: "\n").compactMap { Int32($0) }.sorted()
            #expect(found == keeperPIDs)
            #expect(harness.pids("keep") == found)

            // Statistics on SIGUSR1: the daemon saw the churn.
            daemon.signal(SIGUSR1)
            let line = try await daemon.waitForLine(within: .seconds(5)) { $0.hasSuffix("statistics") }
            #expect(line != nil, "no `statistics` line after SIGUSR1\(harness.daemonLogTail())")
            if let line {
                let stats = Daemon.metadata(line)
                let events = Int(stats["events"] ?? "") ?? 0
                #expect(events >= 2000, "events=\(events): 1,000 processes fork and exit at least")
                #expect(Int(stats["datagrams"] ?? "") ?? 0 > 0)
                #expect(Int(stats["publishes"] ?? "") ?? 0 > 0)
                #expect(Int(stats["cpu_ns"] ?? "") ?? 0 > 0)
                #expect(stats["overruns"] != nil && stats["rescans"] != nil)
                let cpu = Double(stats["cpu_ns"] ?? "") ?? 0
                print("churn: 1000 processes in \(churnTime), \(reads) concurrent file reads; uprocd \(stats.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")); cpu per event \(events > 0 ? Int(cpu / Double(events)) : 0) ns")
            }

            for keeper in keepers { harness.killAndReap(keeper) }
            try await harness.waitUntil(namespace: "keep", is: [])
            try await daemon.stop()
        }

        /// Dropped kernel messages must not leave the files wrong: with a small receive
        /// buffer and the daemon stopped (SIGSTOP) while processes come and go, the socket
        /// overflows (ENOBUFS); after SIGCONT a /proc rescan must repair every file.
        @Test func overrunIsRepairedByARescan() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 churn\nuid 4252 keep\nuid 4253 doomed\n")
            let daemon = try harness.launchDaemon(arguments: [
                "-c", harness.config, "--min-interval", "1", "--netlink-rcvbuf", "65536", "--log-level", "debug", harness.out,
            ])
            let started = try await daemon.waitForStarted()
            // The size granted is logged (the kernel doubles what it is asked for).
            #expect((65536...262144).contains(Int(started["rcvbuf"] ?? "") ?? 0), "rcvbuf=\(started["rcvbuf"] ?? "(none)")")
            var keepers = try (0..<3).map { _ in try harness.spawn(uid: 4252, ["/bin/sleep", "30"]) }
            let doomed = try (0..<3).map { _ in try harness.spawn(uid: 4253, ["/bin/sleep", "30"]) }
            try await harness.waitUntil(namespace: "keep", is: keepers.map(\.pid))
            try await harness.waitUntil(namespace: "doomed", is: doomed.map(\.pid))

            daemon.signal(SIGSTOP)
            for process in doomed { harness.killAndReap(process) }
            let churn = try await harness.run(["/bin/sh", "-c", """
                i=0
                while [ $i -lt 300 ]; do
                    /usr/bin/setpriv --reuid=4251 --regid=4251 --clear-groups /bin/true &
                    i=$((i + 1))
                    if [ $((i % 50)) -eq 0 ]; then wait; fi
                done
                wait
                """])
            #expect(churn.exit == .exited(0))
            keepers += try (0..<3).map { _ in try harness.spawn(uid: 4252, ["/bin/sleep", "30"]) }
            for keeper in keepers.suffix(3) { try await harness.waitForComm(keeper.pid, "sleep") }
            daemon.signal(SIGCONT)

            try await harness.waitUntil(namespace: "churn", is: [])
            try await harness.waitUntil(namespace: "doomed", is: [])
            try await harness.waitUntil(namespace: "keep", is: keepers.map(\.pid))

            daemon.signal(SIGUSR1)
            let line = try await daemon.waitForLine(within: .seconds(5)) { $0.hasSuffix("statistics") }
            #expect(line != nil, "no `statistics` line after SIGUSR1\(harness.daemonLogTail())")
            if let line {
                let stats = Daemon.metadata(line)
                #expect(Int(stats["overruns"] ?? "") ?? 0 >= 1, "no overrun counted: \(line)")
                #expect(Int(stats["rescans"] ?? "") ?? 0 >= 1, "no rescan counted: \(line)")
            }
            try await daemon.stop()
        }

        /// `--min-interval 1000`: a file is rewritten at most once a second, and a change
        /// held back by the limit is still published when the interval is over.
        @Test func minIntervalDelaysButDoesNotLoseUpdates() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4254 limited\n")
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--min-interval", "1000", "--log-level", "debug", harness.out,
            ])
            let clock = ContinuousClock()
            let first = try harness.spawn(uid: 4254, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "limited", is: [first])
            let firstSeen = clock.now
            let second = try harness.spawn(uid: 4254, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "limited", is: [first, second], deadline: .seconds(5))
            let gap = clock.now - firstSeen
            // Polling and scheduling may show the first write late, never the second early.
            #expect(gap >= .milliseconds(800), "rewritten after \(gap), under --min-interval 1000")
            #expect(gap <= .seconds(3), "a held-back change took \(gap)")
            try await daemon.stop()
        }
    }
}
