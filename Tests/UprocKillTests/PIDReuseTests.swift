import Foundation
import Testing
import UprocTestSupport

/// The race `kill $(cat FILE)` and `pkill` lose: a listed PID exits and a
/// non-member gets it before the signal. The file's content is held fixed
/// (the test writes it), the PID is recycled through ns_last_pid.
@Suite struct PIDReuseTests {
    @Test func aNonMemberThatReusedAListedPIDIsNeverSignalled() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) uid.x\n")
        let member = try await world.sleepers(1, uid: uid)[0]
        let pid = member.pid
        try world.list("uid.x", [pid])
        member.killGroup()  // exited and reaped: its PID is free

        let successor = try Self.spawn(["/bin/sleep", "300"], asPID: pid, in: world)
        try await world.waitForComm(pid, "sleep")
        #expect(successor.pid == pid)

        let result = try await world.kill(["uid.x"])
        #expect(result.status == 1)
        #expect(result.out == "")
        #expect(result.err == "")
        try await Task.sleep(for: .milliseconds(50))
        #expect(successor.isRunning)

        // Without the rule check it would have been: the dry run says it is no member.
        let dry = try await world.kill(["--dry-run", "uid.x"])
        #expect(dry.status == 1)
        #expect(dry.out == "")
    }

    /// What is checked is membership: a process that reused a listed PID and
    /// satisfies the rule too is a member, and is signalled (as uproc-kill(1) says).
    @Test func aMemberThatReusedAListedPIDIsSignalled() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) uid.x\n")
        let member = try await world.sleepers(1, uid: uid)[0]
        let pid = member.pid
        try world.list("uid.x", [pid])
        member.killGroup()

        let successor = try Self.spawn(KillWorld.setpriv(uid: uid) + ["/bin/sleep", "300"], asPID: pid, in: world)
        try await world.waitForComm(pid, "sleep")
        let result = try await world.kill(["uid.x"])
        #expect(result.status == 0, "\(result.err)")
        #expect(try await successor.waitForExit(within: .seconds(5)) == .signaled(SIGTERM))
    }

    /// Sets /proc/sys/kernel/ns_last_pid to `pid - 1` and spawns; other
    /// processes forking meanwhile may take `pid` first, so it retries.
    static func spawn(_ argv: [String], asPID pid: Int32, in world: KillWorld) throws -> Child {
        for _ in 0..<500 {
            let fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw HarnessError("open ns_last_pid: \(String(cString: strerror(errno)))") }
            let text = Array("\(pid - 1)".utf8)
            let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            guard written == text.count else { throw HarnessError("write ns_last_pid: \(String(cString: strerror(errno)))") }
            let child = try world.spawn(argv)
            if child.pid == pid { return child }
            child.killGroup()
        }
        throw HarnessError("PID \(pid) not obtained in 500 tries")
    }
}
