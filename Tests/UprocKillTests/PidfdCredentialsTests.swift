import Foundation
import Testing
import UprocKill
import UprocLinux
import UprocRules
import UprocTestSupport

/// IDs read through a pidfd (`PIDFD_GET_INFO`, Linux 6.13) against real
/// processes of other users: the same as /proc shows, the held process's
/// even as a zombie, ESRCH once reaped. On an older kernel the ioctl must
/// fail as the fallback expects.
@Suite struct PidfdCredentialsTests {
    /// Real and effective IDs all distinct, so a swapped field shows.
    static func distinctIDs(_ base: UInt32) -> ProcessCredentials {
        ProcessCredentials(ruid: base, euid: base + 1, rgid: base + 2, egid: base + 3)
    }

    static func setpriv(_ ids: ProcessCredentials) -> [String] {
        ["/usr/bin/setpriv", "--ruid=\(ids.ruid)", "--euid=\(ids.euid)", "--rgid=\(ids.rgid)", "--egid=\(ids.egid)",
         "--clear-groups"]
    }

    /// Linux 6.13 or later, from uname's release ("6.18.44-…").
    static var kernelHasPidfdInfo: Bool {
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return false }
        return (numbers[0], numbers[1]) >= (6, 13)
    }

    @Test func credentialsThroughThePidfdAreWhatProcShows() async throws {
        try Kernel.require()
        let base = KillWorld.freshID()
        let world = try KillWorld(config: "")
        let expected = (0..<3).map { Self.distinctIDs(base + UInt32($0) * 4) }
        let children = try expected.map { try world.spawn(Self.setpriv($0) + ["/bin/sleep", "300"]) }
        let reader = try ProcReader()
        for (child, ids) in zip(children, expected) {
            try await world.waitForComm(child.pid, "sleep")
            let handle = try ProcessHandle.open(child.pid).get()
            let read = handle.credentials()
            guard Self.kernelHasPidfdInfo else {
                #expect([.inappropriateIOCTLForDevice, .invalidArgument].contains(read.failure?.errno))
                continue
            }
            #expect(read.success == ids)
            let proc = try #require(reader.identity(of: child.pid, reading: .ids))
            #expect(read.success == ProcessCredentials(ruid: proc.ruid, euid: proc.euid, rgid: proc.rgid, egid: proc.egid))
        }
    }

    /// A zombie keeps its credentials until reaped (the liveness check, not
    /// the ioctl, says it has exited); once reaped: ESRCH, whatever took its PID.
    @Test func aZombieStillHasItsCredentialsAReapedProcessHasNone() async throws {
        try Kernel.require()
        try #require(Self.kernelHasPidfdInfo, "needs Linux 6.13 (PIDFD_GET_INFO)")
        let ids = Self.distinctIDs(KillWorld.freshID())
        let world = try KillWorld(config: "")
        let child = try world.spawn(Self.setpriv(ids) + ["/bin/sleep", "0.2"])
        let handle = try ProcessHandle.open(child.pid).get()
        let end = ContinuousClock.now + .seconds(5)
        while !handle.hasExited {  // exited, not reaped: nobody waits for it yet
            if ContinuousClock.now >= end { throw HarnessError("pid \(child.pid) still running after 5 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(handle.credentials().success == ids)
        #expect(child.reap(within: .seconds(5)) == .exited(0))
        #expect(handle.credentials().failure?.errno == .noSuchProcess)
    }

    /// LiveProcessAccess takes the pidfd path: with an empty directory for
    /// /proc, a process of the namespace's UID is still found a member.
    @Test func theLiveAccessNeedsNoProcForIDs() async throws {
        try Kernel.require()
        try #require(Self.kernelHasPidfdInfo, "needs Linux 6.13 (PIDFD_GET_INFO)")
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "")
        let emptyProc = world.root + "/proc"
        #expect(mkdir(emptyProc, 0o755) == 0)
        let member = try await world.sleepers(1, uid: uid)[0]
        let outsider = try await world.sleepers(1, uid: uid + 1)[0]
        let table = DecisionTable(rules: [Rule(conditions: [.id(.uid, uid)], namespace: "x")])
        let signaller = NamespaceSignaller(access: try LiveProcessAccess(procPath: emptyProc), table: table)
        let report = try signaller.run(pids: [member.pid, outsider.pid], namespaces: [table.id(of: "x")!],
                                       signal: KillSignal(number: 0), dryRun: false, wait: false, timeoutNanoseconds: nil)
        #expect(report.outcomes.map(\.pid) == [member.pid, outsider.pid].sorted())
        #expect(report.outcomes.map(\.result) == (member.pid < outsider.pid ? [.signalled, .notMember] : [.notMember, .signalled]))
        #expect(member.isRunning && outsider.isRunning)
    }
}

extension Result {
    var success: Success? { if case .success(let value) = self { value } else { nil } }
    var failure: Failure? { if case .failure(let error) = self { error } else { nil } }
}
