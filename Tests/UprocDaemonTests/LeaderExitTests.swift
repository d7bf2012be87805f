import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// A process whose main thread ended while other threads run is still a process:
    /// `/proc/PID` is there, `kill PID` reaches it, pgrep lists it.
    @Suite struct LeaderExit {
        @Test func processStaysListedAfterItsMainThreadExitsUntilItsLastThreadEnds() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4244 u4244\nuid 4245 marker\n")
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture(uid: 4244)
            let pid = fixture.pid
            try await harness.waitUntil(namespace: "u4244", is: [pid])

            try await fixture.run("threads 2")
            try await fixture.run("exit-main")
            try await harness.waitForKernel("pid \(pid): leader a zombie", {
                Harness.procText(pid, "status")?.split(separator: "\n").first { $0.hasPrefix("State:") }.map(String.init) ?? "(gone)"
            }, until: { $0.contains("Z") })
            #expect(try await fixture.send("pid") == "\(pid)", "the process still answers")

            // Ordering marker: an event after the leader's EXIT, then time for any re-check.
            let marker = try harness.spawn(uid: 4245, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "marker", is: [marker.pid])
            try await Task.sleep(for: .milliseconds(300))
            #expect(harness.pids("u4244") == [pid], "listed while its threads run")

            harness.killAndReap(fixture.child)
            try await harness.waitUntil(namespace: "u4244", is: [], deadline: .seconds(1))
            try await daemon.stop()
        }
    }
}
