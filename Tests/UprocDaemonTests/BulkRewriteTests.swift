import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Rewriting more files at once than inotify queues events for (16,384 by
    /// default): the daemon's own renames overflow its directory watch, and
    /// an overflow must not make it rewrite everything again, and again.
    @Suite struct BulkRewrite {
        static let namespaces = 20_000

        /// Statistics from a SIGUSR1 line.
        static func statistics(_ daemon: Daemon, after count: Int) async throws -> [String: String] {
            daemon.signal(SIGUSR1)
            var seen = 0
            let line = try await daemon.waitForLine(within: .seconds(10)) { line in
                guard line.hasSuffix("statistics") else { return false }
                seen += 1
                return seen > count
            }
            return Daemon.metadata(try #require(line))
        }

        @Test func aRestartOverManyExistingFilesSettlesAfterOneRewrite() async throws {
            try Kernel.require()
            let config = (0..<Self.namespaces).map { "uid \(100_000 + $0) u\($0)" }.joined(separator: "\n") + "\n"
            let harness = try Harness(config: config)
            let first = try await harness.startDaemon()
            first.signal(SIGKILL)
            _ = try await first.waitForExit()
            #expect(harness.outEntries()?.count == Self.namespaces + 1)

            // Each existing file is replaced by a rename: twice as many events as the watch queues.
            let second = try await harness.startDaemon()
            try await Task.sleep(for: .seconds(1))
            let before = try await Self.statistics(second, after: 0)
            try await Task.sleep(for: .seconds(1))
            let after = try await Self.statistics(second, after: 1)
            let publishes = (Int(before["publishes"] ?? "") ?? -1, Int(after["publishes"] ?? "") ?? -1)
            #expect(publishes.0 >= Self.namespaces && publishes.0 <= 2 * Self.namespaces,
                    "files written after the restart: \(publishes.0) for \(Self.namespaces) namespaces")
            #expect(publishes.1 - publishes.0 < 100, "still rewriting: \(publishes.1 - publishes.0) files in the second second")
            // Someone deleting a file is still noticed.
            try FileManager.default.removeItem(atPath: harness.out + "/u7")
            try await harness.waitUntil(namespace: "u7", is: [])
            try await second.stop()
            #expect(harness.outEntries() == [])
        }
    }
}
