import Testing
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
    }
}
