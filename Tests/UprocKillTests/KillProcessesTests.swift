import Foundation
import Testing
import UprocLinux
import UprocTestSupport

/// uproc-kill against real processes, with namespace files the test writes
/// itself (their content fixed, as a daemon that has not caught up yet).
@Suite struct KillProcessesTests {
    @Test func signalsEveryProcessOfTheNamespace() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) uid.x\n")
        let members = try await world.sleepers(3, uid: uid)
        try world.list("uid.x", members.map(\.pid))

        let result = try await world.kill(["uid.x"])
        #expect(result.status == 0)
        #expect(result.out == "")
        #expect(result.err == "")
        for member in members {
            #expect(try await member.waitForExit(within: .seconds(5)) == .signaled(SIGTERM))
        }
    }

    @Test(arguments: [(["-9"], SIGKILL), (["-KILL"], SIGKILL), (["-s", "hup"], SIGHUP), (["--signal", "SIGUSR1"], SIGUSR1), (["-s", "2"], SIGINT)] as [([String], Int32)])
    func sendsTheSignalAsKillNamesIt(_ options: [String], _ signal: Int32) async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) uid.x\n")
        let member = try await world.sleepers(1, uid: uid)[0]
        try world.list("uid.x", [member.pid])

        let result = try await world.kill(options + ["uid.x"])
        #expect(result.status == 0)
        #expect(try await member.waitForExit(within: .seconds(5)) == .signaled(signal))
    }

    @Test func dryRunListsPIDAndCommAndSignalsNothing() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) uid.x\n")
        let members = try await world.sleepers(2, uid: uid)
        let outsider = try await world.sleepers(1, uid: uid + 1)[0]
        try world.list("uid.x", members.map(\.pid) + [outsider.pid])

        let result = try await world.kill(["--dry-run", "uid.x"])
        #expect(result.status == 0)
        #expect(result.out == members.map(\.pid).sorted().map { "\($0) sleep\n" }.joined())
        #expect(result.err == "")
        #expect((members + [outsider]).allSatisfy { $0.isRunning })
    }

    @Test func anEmptyNamespaceExitsOneWithoutANoise() async throws {
        try Kernel.require()
        let world = try KillWorld(config: "uid \(KillWorld.freshID()) uid.x\n")
        try world.list("uid.x", [])
        for options in [[], ["--dry-run"], ["--wait"]] {
            let result = try await world.kill(options + ["uid.x"])
            #expect(result.status == 1, "\(options)")
            #expect(result.out == "")
            #expect(result.err == "")
        }
    }

    @Test func sparesAMemberThatChangedUserSinceTheFileWasWritten() async throws {
        try Kernel.require()
        let world = try KillWorld(config: "uid 0 cmd uproc-testproc fixtures\n")
        let changed = try Steered([KillWorld.testproc], newProcessGroup: true)
        let stayed = try Steered([KillWorld.testproc], newProcessGroup: true)
        try await world.waitForComm(changed.pid, "uproc-testproc")
        try await world.waitForComm(stayed.pid, "uproc-testproc")
        try world.list("fixtures", [changed.pid, stayed.pid])
        try await changed.run("setuid \(KillWorld.freshID())")

        let result = try await world.kill(["fixtures"])
        #expect(result.status == 0)
        #expect(try await stayed.child.waitForExit(within: .seconds(5)) == .signaled(SIGTERM))
        #expect(changed.child.isRunning)
    }

    @Test func sparesAMemberRenamedOutOfACmdRule() async throws {
        try Kernel.require()
        let world = try KillWorld(config: "cmd uproc-testproc fixtures\n")
        let renamed = try Steered([KillWorld.testproc], newProcessGroup: true)
        try await world.waitForComm(renamed.pid, "uproc-testproc")
        try world.list("fixtures", [renamed.pid])
        try await renamed.run("rename-main other")

        let result = try await world.kill(["fixtures"])
        #expect(result.status == 1)
        #expect(result.err == "")
        #expect(renamed.child.isRunning)
    }

    /// Real-time signals queue instead of merging, and SigQ in
    /// /proc/PID/status counts those pending for the process's user: with
    /// the signal blocked, every delivery stays countable.
    @Test func aProcessInTwoNamedNamespacesIsSignalledOnce() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) uid.x\ngid \(uid) gid.x\n")
        let rtmin = SignalNames.realtimeMinimum
        let members = try await world.sleepers(2, uid: uid, blocked: [rtmin])
        try world.list("uid.x", members.map(\.pid))
        try world.list("gid.x", members.map(\.pid))

        let result = try await world.kill(["-s", "RTMIN", "uid.x", "gid.x", "uid.x"])
        #expect(result.status == 0)
        #expect(result.err == "")
        // Both pending for the user: one each, not two.
        #expect(Self.queuedSignals(members[0].pid) == 2)
    }

    static func queuedSignals(_ pid: Int32) -> Int? {
        let status = FileManager.default.contents(atPath: "/proc/\(pid)/status").map { String(decoding: $0, as: UTF8.self) } ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("SigQ:") }
        return line?.dropFirst(5).split(separator: "/").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    @Test func anotherUsersProcessIsReportedNotFatal() async throws {
        try Kernel.require()
        let caller = KillWorld.freshID()
        let other = caller + 1
        let group = caller + 2
        let world = try KillWorld(config: "gid \(group) gid.shared\n")
        let own = try await world.sleepers(1, uid: caller, gid: group)[0]
        let foreign = try await world.sleepers(1, uid: other, gid: group)[0]
        try world.list("gid.shared", [own.pid, foreign.pid])

        let result = try await world.kill(["gid.shared"], uid: caller, gid: group)
        #expect(result.status == 0)
        #expect(result.err == "uproc-kill: cannot signal pid \(foreign.pid) (sleep): Operation not permitted\n")
        #expect(try await own.waitForExit(within: .seconds(5)) == .signaled(SIGTERM))
        #expect(foreign.isRunning)

        // Only refusals: nothing signalled.
        try world.list("gid.shared", [foreign.pid])
        let refused = try await world.kill(["gid.shared"], uid: caller, gid: group)
        #expect(refused.status == 1)
        #expect(refused.err == "uproc-kill: cannot signal pid \(foreign.pid) (sleep): Operation not permitted\n")
    }

    /// Run by a member of the namespace it signals (alice's
    /// `uproc-kill uid.alice`), it must not end itself half-way. The file
    /// lists every possible PID, so its own PID is listed whatever it is.
    @Test func neverSignalsItselfWhenAMember() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) uid.x\n")
        let member = try await world.sleepers(1, uid: uid)[0]
        let pidMax = Int32(String(decoding: FileManager.default.contents(atPath: "/proc/sys/kernel/pid_max") ?? Data(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 32768
        try world.list("uid.x", Array(1...pidMax))

        let result = try await world.kill(["-9", "uid.x"], uid: uid)
        #expect(result.status == 0)
        #expect(result.err == "")
        #expect(try await member.waitForExit(within: .seconds(5)) == .signaled(SIGKILL))
    }
}
