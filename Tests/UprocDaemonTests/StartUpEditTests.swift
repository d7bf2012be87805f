import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// The rules are read before the config's watch exists: an edit saved
    /// in between must still apply once the watch is in place.
    @Suite struct StartUpEdit {
        static let rules = 100_000

        /// 100,000 rules take a while to publish; the edit is saved as soon
        /// as the directory appears (the rules are read by then). The new
        /// namespace appears with no further edit and no signal.
        @Test func anEditSavedWhileStartingIsApplied() async throws {
            try Kernel.require()
            let base = (0..<Self.rules).map { "uid \(100_000 + $0) u\($0)\n" }.joined()
            let harness = try Harness(config: base)
            try Harness.write(base + "uid 4480 late\n", to: harness.root + "/new.conf")
            let daemon = try harness.launchDaemon()
            let end = ContinuousClock.now + .seconds(20)
            while access(harness.out, F_OK) != 0 && daemon.isRunning && ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(rename(harness.root + "/new.conf", harness.config) == 0)
            let startedFirst = daemon.lines().contains { Daemon.isStarted($0) }
            try await daemon.waitForStarted()
            try await harness.waitUntil(namespace: "late", deadline: .seconds(20),
                                        "created (the edit was saved \(startedFirst ? "after" : "before") the start ended)") { _ in true }
            try await daemon.stop()
        }

        /// The same for the accounts files the rules depend on: a user whose
        /// UID changes while the daemon starts (20,000 rules) gets the
        /// namespace a rule names it in.
        @Test func anAccountChangedWhileStartingIsApplied() async throws {
            try Kernel.require()
            let base = (0..<Self.rules / 5).map { "uid \(100_000 + $0) u\($0)\n" }.joined()
            let harness = try Harness(config: base + "uid dave4480 dave\n")
            let passwd = harness.root + "/passwd", group = harness.root + "/group"
            try Harness.write("root:x:0:0:root:/root:/bin/sh\ndave4480:x:4480:4480::/:/bin/sh\n", to: passwd)
            try Harness.write("root:x:0:\n", to: group)
            let daemon = try harness.launchDaemon(arguments: [
                "-c", harness.config, "--accounts-files", "\(passwd):\(group)", "--min-interval", "1", "--log-level", "debug", harness.out,
            ])
            let end = ContinuousClock.now + .seconds(20)
            while access(harness.out, F_OK) != 0 && daemon.isRunning && ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(1))
            }
            // dave's UID changes: the rule now means another process.
            try Harness.write("root:x:0:0:root:/root:/bin/sh\ndave4480:x:4481:4481::/:/bin/sh\n", to: passwd + "+")
            #expect(rename(passwd + "+", passwd) == 0)
            try await daemon.waitForStarted()
            let member = try harness.spawn(uid: 4481, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "dave", is: [member], deadline: .seconds(20))
            try await daemon.stop()
        }
    }
}
