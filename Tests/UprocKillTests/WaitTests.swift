import Foundation
import Testing
import UprocTestSupport

/// --wait: returns once every signalled process is gone (through pidfds),
/// or at --timeout with the survivors named.
@Suite struct WaitTests {
    @Test func waitReturnsOnceTheSignalledProcessesAreGone() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) slow\n")
        // Each takes 0.4 s to exit after SIGTERM.
        let script = "trap 'sleep 0.4; exit 0' TERM; while :; do sleep 0.05; done"
        let slow = try (0..<2).map { _ in try world.spawn(uid: uid, ["/bin/sh", "-c", script]) }
        for process in slow { try await world.waitForCaught(process.pid, SIGTERM) }
        try world.list("slow", slow.map(\.pid))

        let start = ContinuousClock.now
        let result = try await world.kill(["--wait", "slow"])
        let elapsed = ContinuousClock.now - start
        #expect(result.status == 0)
        #expect(result.err == "")
        #expect(elapsed >= .milliseconds(350))
        // Exited (zombies our waitpid reaps at once), not merely signalled.
        for process in slow {
            #expect(!process.isRunning)
            #expect(process.exit == .exited(0))
        }
    }

    @Test func timeoutNamesTheProcessesStillRunning() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) stubborn\n")
        // SIGTERM ignored, and exec keeps it ignored.
        let stubborn = try world.spawn(uid: uid, ["/bin/sh", "-c", "trap '' TERM; exec /bin/sleep 300"])
        try await world.waitForComm(stubborn.pid, "sleep")
        let quitter = try await world.sleepers(1, uid: uid)[0]
        try world.list("stubborn", [stubborn.pid, quitter.pid])

        let start = ContinuousClock.now
        let result = try await world.kill(["--wait", "--timeout", "0.3", "stubborn"])
        let elapsed = ContinuousClock.now - start
        #expect(result.status == 3)
        #expect(result.err == "uproc-kill: pid \(stubborn.pid) (sleep) still running after 0.3 s\n")
        #expect(elapsed >= .milliseconds(300))
        #expect(stubborn.isRunning)
        #expect(try await quitter.waitForExit(within: .seconds(5)) == .signaled(SIGTERM))
    }
}
