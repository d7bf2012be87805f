import Foundation
import Testing
import UprocDaemon
import UprocTestSupport

extension UprocdEndToEnd {
    /// uprocd(8) says the `rcvbuf` of the `started` line is what the kernel
    /// granted, which is twice the request (the kernel doubles it for its
    /// bookkeeping) when the request is granted in full, as it is for root.
    @Suite struct ReceiveBuffer {
        @Test func theStartedLineShowsTwiceTheRequest() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4242 a\n")
            let daemon = try await harness.startDaemon(
                arguments: ["-c", harness.config, "--netlink-rcvbuf", "1048576", "--log-level", "debug", harness.out])
            let started = try await daemon.waitForStarted()
            #expect(started["rcvbuf"] == "2097152")
            try await daemon.stop()
        }

        /// The README's option table gives the default the daemon asks for and
        /// the `rcvbuf=` its `started` line then shows.
        @Test func theReadmeExplainsTheLoggedDefault() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4242 a\n")
            let daemon = try await harness.startDaemon(arguments: ["-c", harness.config, harness.out])
            let logged = try #require(try await daemon.waitForStarted()["rcvbuf"])
            try await daemon.stop()
            let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("README.md")
            let row = try String(contentsOf: readme, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("| `--netlink-rcvbuf") }.map(String.init) ?? ""
            #expect(row.hasSuffix("| \(DaemonOptions.defaultReceiveBuffer) |"), "\(row)")
            #expect(row.contains("`rcvbuf=\(logged)`"), "the log shows rcvbuf=\(logged); the README says: \(row)")
        }
    }
}
