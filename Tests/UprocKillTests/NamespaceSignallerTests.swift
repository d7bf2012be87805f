import SystemPackage
import Testing
import UprocKill
import UprocLinux
import UprocRules

/// The signaller's decisions against a scripted process table: which
/// processes get a signal, and that no race hands one to a non-member.
@Suite struct NamespaceSignallerTests {
    /// `alice` holds uid 1000, `tar` every tar, `alice.tar` both at once.
    static let table = DecisionTable(rules: [
        Rule(conditions: [.id(.uid, 1000)], namespace: "alice"),
        Rule(conditions: [.comm("tar")], namespace: "tar"),
        Rule(conditions: [.id(.uid, 1000), .comm("tar")], namespace: "alice.tar"),
    ])
    static let alice = table.id(of: "alice")!
    static let tar = table.id(of: "tar")!
    static let aliceTar = table.id(of: "alice.tar")!
    /// Rules on IDs alone: no comm to read.
    static let idTable = DecisionTable(rules: [Rule(conditions: [.id(.uid, 1000)], namespace: "alice")])

    func run(_ world: FakeProcesses, pids: [Int32], namespaces: [NamespaceID] = [alice], dryRun: Bool = false,
             wait: Bool = false, signal: KillSignal = .terminate, table: DecisionTable = table) throws(KillError) -> KillReport {
        try NamespaceSignaller(access: world, table: table)
            .run(pids: pids, namespaces: namespaces, signal: signal, dryRun: dryRun, wait: wait, timeoutNanoseconds: nil)
    }

    @Test(arguments: FakeProcesses.Kernel.allCases)
    func signalsEveryListedMemberOnceInPIDOrder(_ kernel: FakeProcesses.Kernel) throws {
        let world = FakeProcesses(kernel)
        let processes = [world.start(30, .user(1000)), world.start(10, .user(1000, "tar")), world.start(20, .user(1000))]
        // Listed twice over, by two namespaces that overlap.
        let report = try run(world, pids: [30, 10, 20, 10, 30], namespaces: [Self.alice, Self.aliceTar])
        #expect(processes.map(\.received) == [[15], [15], [15]])
        #expect(report.outcomes.map(\.pid) == [10, 20, 30])
        #expect(report.outcomes.map(\.result) == [.signalled, .signalled, .signalled])
        #expect(report.outcomes.map(\.namespace) == ["alice", "alice", "alice"])
        #expect(report.outcomes.map(\.comm) == ["tar", "sleep", "sleep"])
        #expect(report.signalledCount == 3)
    }

    @Test func holdsReadsConfirmsThenSignalsEachProcess() throws {
        let world = FakeProcesses()
        world.start(7, .user(1000))
        _ = try run(world, pids: [7], namespaces: [Self.idTable.id(of: "alice")!], table: Self.idTable)
        #expect(world.log.map(\.0) == [.open, .credentials, .hasExited, .send])
    }

    /// IDs through the pidfd: no /proc read at all unless comm is needed.
    @Test func readsIDsThroughThePidfdNotProc() throws {
        let world = FakeProcesses()
        let member = world.start(7, .user(1000))
        let other = world.start(8, .user(1001))
        let report = try run(world, pids: [7, 8], namespaces: [Self.idTable.id(of: "alice")!], table: Self.idTable)
        #expect(world.procReads == [])
        #expect(member.received == [15])
        #expect(other.received.isEmpty)
        #expect(report.outcomes.map(\.result) == [.signalled, .notMember])
    }

    /// The dry run lists comm: only that comes from /proc (stat), the IDs
    /// still through the pidfd; then the liveness check.
    @Test func aDryRunReadsOnlyCommFromProc() throws {
        let world = FakeProcesses()
        world.start(7, .user(1000, "tar"))
        world.start(8, .user(1001, "tar"))
        let report = try run(world, pids: [7, 8], namespaces: [Self.aliceTar], dryRun: true)
        #expect(world.procReads == [.cmd, .cmd])
        #expect(world.log.prefix(4).map(\.0) == [.open, .credentials, .identity, .hasExited])
        #expect(report.outcomes.map(\.result) == [.signalled, .notMember])
        #expect(report.outcomes.map(\.comm) == ["tar", "tar"])
    }

    /// A kernel before 6.13 says so once (ENOTTY; EINVAL on 6.11 and
    /// 6.12): /proc from then on, with the same decisions.
    @Test(arguments: [Errno.inappropriateIOCTLForDevice, .invalidArgument, .notSupported])
    func fallsBackToProcOnceWhenTheKernelCannot(_ errno: Errno) throws {
        let world = FakeProcesses()
        let processes = [world.start(5, .user(1000)), world.start(6, .user(2000)), world.start(7, .user(1000))]
        for process in processes { process.credentialsError = errno }
        let report = try run(world, pids: [5, 6, 7], namespaces: [Self.idTable.id(of: "alice")!], table: Self.idTable)
        #expect(world.log.filter { $0.0 == .credentials }.map(\.1) == [5])
        #expect(world.procReads == [.uid, .uid, .uid])
        #expect(processes.map(\.received) == [[15], [], [15]])
        #expect(report.outcomes.map(\.result) == [.signalled, .notMember, .signalled])
    }

    @Test func aKernelBefore6_13IsAskedOnce() throws {
        let world = FakeProcesses(.before6_13)
        world.start(5, .user(1000))
        world.start(6, .user(1000))
        let report = try run(world, pids: [5, 6], namespaces: [Self.idTable.id(of: "alice")!], table: Self.idTable)
        #expect(world.log.map(\.0) == [.open, .credentials, .identity, .hasExited, .send, .open, .identity, .hasExited, .send])
        #expect(report.signalledCount == 2)
    }

    /// ESRCH from the ioctl for a live process (6.13 refuses one whose
    /// parent it cannot see) is no fallback for the run, nor an exit: that
    /// process is read from /proc.
    @Test func aLiveProcessTheIoctlWillNotDescribeIsReadFromProc() throws {
        let world = FakeProcesses()
        let odd = world.start(5, .user(1000))
        odd.credentialsError = .noSuchProcess
        let next = world.start(6, .user(1000))
        let report = try run(world, pids: [5, 6], namespaces: [Self.idTable.id(of: "alice")!], table: Self.idTable)
        #expect(world.log.filter { $0.0 == .credentials }.map(\.1) == [5, 6])
        #expect(world.procReads == [.uid])
        #expect([odd.received, next.received] == [[15], [15]])
        #expect(report.outcomes.map(\.result) == [.signalled, .signalled])
    }

    /// A zombie's credentials are still readable through its pidfd; it has
    /// exited all the same, and a signal would be lost on it.
    @Test(arguments: FakeProcesses.Kernel.allCases)
    func aZombieIsNotSignalled(_ kernel: FakeProcesses.Kernel) throws {
        let world = FakeProcesses(kernel)
        let zombie = world.start(5, .user(1000))
        zombie.exited = true  // not reaped: its PID still names it
        let report = try run(world, pids: [5])
        #expect(zombie.received.isEmpty)
        #expect(report.outcomes.map(\.result) == [.exited])
    }

    @Test func sparesAProcessThatLeftItsNamespace() throws {
        let world = FakeProcesses()
        let left = world.start(5, .user(2000))  // setuid since the file was written
        let stayed = world.start(6, .user(1000))
        let report = try run(world, pids: [5, 6])
        #expect(left.received.isEmpty)
        #expect(stayed.received == [15])
        #expect(report.outcomes.map(\.result) == [.notMember, .signalled])
    }

    @Test func aProcessInAnyNamedNamespaceIsAMember() throws {
        let world = FakeProcesses()
        let tar = world.start(5, .user(0, "tar"))
        let report = try run(world, pids: [5], namespaces: [Self.alice, Self.tar])
        #expect(tar.received == [15])
        #expect(report.outcomes.first?.namespace == "tar")
    }

    @Test(arguments: FakeProcesses.Kernel.allCases)
    func sparesANonMemberThatTookAListedPIDBeforeTheOpen(_ kernel: FakeProcesses.Kernel) throws {
        let world = FakeProcesses(kernel)
        world.start(5, .user(1000))
        let successor = world.recycle(5, as: .user(0))!
        let report = try run(world, pids: [5])
        #expect(successor.received.isEmpty)
        #expect(report.outcomes.map(\.result) == [.notMember])
        #expect(report.signalledCount == 0)
    }

    /// A tool that read /proc first and opened the pidfd after (as pkill
    /// does) would hold the successor here and signal it.
    @Test(arguments: FakeProcesses.Kernel.allCases)
    func neverSignalsANonMemberThatTookThePIDAfterTheRead(_ kernel: FakeProcesses.Kernel) throws {
        let world = FakeProcesses(kernel)
        let member = world.start(5, .user(1000))
        var successor: FakeProcesses.Process?
        world.hooks[world.idsStep] = [5: { successor = $0.recycle(5, as: .user(0)) }]
        let report = try run(world, pids: [5])
        #expect(successor?.received == [])
        #expect(member.received.isEmpty)
        #expect(report.outcomes.map(\.result) == [.exited])
    }

    /// The identity read after the open can be a successor's when the held
    /// process died in between: the liveness check must catch it, or a dry
    /// run would list the successor's facts under a dead process.
    @Test(arguments: FakeProcesses.Kernel.allCases)
    func aProcessThatDiedWhileHeldIsNotListed(_ kernel: FakeProcesses.Kernel) throws {
        let world = FakeProcesses(kernel)
        world.start(5, .user(2000))
        world.hooks[.open] = [5: { $0.recycle(5, as: .user(1000, "member")) }]
        let report = try run(world, pids: [5], dryRun: true)
        #expect(report.outcomes.map(\.result) == [.exited])
        #expect(report.signalledCount == 0)
    }

    @Test(arguments: FakeProcesses.Kernel.allCases)
    func aProcessGoneBeforeItsSignalIsNotCounted(_ kernel: FakeProcesses.Kernel) throws {
        let world = FakeProcesses(kernel)
        world.start(5, .user(1000))
        world.hooks[.hasExited] = [5: { $0.recycle(5, as: nil) }]
        let report = try run(world, pids: [5])
        #expect(report.outcomes.map(\.result) == [.exited])
        #expect(report.signalledCount == 0)
    }

    @Test func aListedPIDWithoutAProcessIsSkipped() throws {
        let world = FakeProcesses()
        let alive = world.start(6, .user(1000))
        let report = try run(world, pids: [5, 6])
        #expect(alive.received == [15])
        #expect(report.outcomes.map(\.result) == [.exited, .signalled])
    }

    /// A listed PID that is now a thread of some process: pidfd_open says
    /// EINVAL (ENOENT on 6.18). Nothing to report: the process is gone.
    @Test(arguments: [Errno.invalidArgument, .noSuchFileOrDirectory, .noSuchProcess])
    func aPIDThatNamesNoProcessIsSkippedSilently(_ errno: Errno) throws {
        let world = FakeProcesses()
        world.start(5, .user(1000))
        world.openError = errno
        let report = try run(world, pids: [5])
        #expect(report.outcomes.map(\.result) == [.exited])
    }

    @Test func aRefusedProcessIsReportedAndTheOthersStillSignalled() throws {
        let world = FakeProcesses()
        let foreign = world.start(5, .user(1000))
        foreign.refusesSignals = true
        let own = world.start(6, .user(1000))
        let report = try run(world, pids: [5, 6])
        #expect(own.received == [15])
        #expect(report.outcomes.map(\.result) == [
            .refused(SystemCallError(call: "pidfd_send_signal", errno: .notPermitted)), .signalled,
        ])
        #expect(report.signalledCount == 1)
    }

    @Test func aDryRunSignalsNothingAndListsTheMembers() throws {
        let world = FakeProcesses()
        let member = world.start(5, .user(1000))
        world.start(6, .user(0))
        let report = try run(world, pids: [5, 6], dryRun: true, wait: true)
        #expect(member.received.isEmpty)
        #expect(report.outcomes.map(\.result) == [.signalled, .notMember])
        #expect(!world.log.contains { $0.0 == .send })
        #expect(!report.waited)
    }

    @Test func aKernelWithoutPidfdOpenIsAnErrorNotAFallback() {
        let world = FakeProcesses()
        let member = world.start(5, .user(1000))
        world.openError = .noFunction
        #expect(throws: KillError.self) { try run(world, pids: [5]) }
        #expect(member.received.isEmpty)
    }

    @Test func anOpenThatFailsOtherwiseIsReportedPerProcess() throws {
        let world = FakeProcesses()
        world.start(5, .user(1000))
        world.openError = .tooManyOpenFiles
        let report = try run(world, pids: [5])
        #expect(report.outcomes.map(\.result) == [.failed(SystemCallError(call: "pidfd_open", errno: .tooManyOpenFiles))])
    }

    @Test func waitingReportsTheProcessesStillRunning() throws {
        let world = FakeProcesses()
        world.start(5, .user(1000))
        let stubborn = world.start(6, .user(1000))
        stubborn.exitsOnSignal = false
        let report = try run(world, pids: [5, 6], wait: true)
        #expect(report.waited)
        #expect(report.stillRunning.map(\.pid) == [6])
    }

    @Test func signalZeroOnlyChecks() throws {
        let world = FakeProcesses()
        let member = world.start(5, .user(1000))
        let report = try run(world, pids: [5], wait: true, signal: KillSignal(number: 0))
        #expect(member.received == [0])
        #expect(report.stillRunning.map(\.pid) == [5])
    }
}

@Suite struct OwnProcessTests {
    @Test func neverSignalsItself() throws {
        let world = FakeProcesses()
        let itself = world.start(5, .user(1000))
        let other = world.start(6, .user(1000))
        let report = try NamespaceSignaller(access: world, table: NamespaceSignallerTests.table)
            .run(pids: [5, 6], namespaces: [NamespaceSignallerTests.alice], signal: .terminate, dryRun: false,
                 wait: false, timeoutNanoseconds: nil, ownPID: 5)
        #expect(itself.received.isEmpty)
        #expect(other.received == [15])
        #expect(report.outcomes.map(\.pid) == [6])
    }
}
