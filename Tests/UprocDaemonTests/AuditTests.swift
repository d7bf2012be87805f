import Foundation
import Testing
import UprocConfig
@testable import UprocDaemon
import UprocLinux
import UprocRules
import UprocTestSupport

/// The audit, the error counters and the start-up self-test: nothing is ever
/// silently wrong.
@Suite(.serialized) struct AuditTests {
    @Test func anAuditCorrectsCountsAndNamesDrift() throws {
        try Kernel.require()
        let log = LogRecords()
        let state = DaemonState(
            options: DaemonOptions(), logger: log.logger,
            config: try ConfigLoader.compile(.init(path: "t.conf", text: "uid 0 root\nuid 4250 nobody.here\n"), accounts: SystemAccounts()))
        let follower = try KernelFollower(state: state, reader: ProcReader())
        _ = follower.rescan()
        let auditor = Auditor(state: state, follower: follower)
        #expect(auditor.audit().isEmpty, "a fresh table has no drift")
        #expect(auditor.drift.value == 0)

        // Lose this process, and invent one no kernel knows (pid_max ≤ 4,194,304).
        let me = getpid()
        state.tracker.remove(me)
        state.tracker.upsert(4_194_305, ProcessIdentity(uid: 0, gid: 0, comm: "ghost"))
        let report = auditor.audit()
        let root = state.tracker.table.id(of: "root")!
        #expect(Set(report.corrections.map(\.pid)) == [me, 4_194_305])
        #expect(report.corrections.first { $0.pid == me }?.joined == [root])
        #expect(report.corrections.first { $0.pid == 4_194_305 }?.left == [root])
        #expect(state.tracker.identity(of: me) != nil)
        #expect(state.tracker.identity(of: 4_194_305) == nil)
        #expect(auditor.drift.value == 2)
        #expect(auditor.audits.value == 2)
        let line = log.lines.first { $0.contains("drifted") }
        #expect(line?.hasPrefix("warning:") == true, "\(log.lines)")
        #expect(line?.contains("\(me) +root") == true, "\(line ?? "")")
        #expect(line?.contains("4194305 -root") == true, "\(line ?? "")")
        #expect(line?.contains("namespaces=root") == true, "\(line ?? "")")
        #expect(auditor.audit().isEmpty, "corrected for good")
    }

    /// A kernel thread starts as a fork of kthreadd, with its identity, and
    /// shows its own name (often over 15 bytes) without an event: the audit
    /// takes the name, and finds no drift, its namespaces being the same.
    @Test func aKernelThreadsLongNameIsNoDrift() throws {
        try Kernel.require()
        let thread = try #require(KernelThreads.sample(), "no kernel thread")
        let state = DaemonState(
            options: DaemonOptions(), logger: LogRecords().logger,
            config: try ConfigLoader.compile(.init(path: "t.conf", text: "uid 0 uid.root\ngid 0 gid.root\n"), accounts: SystemAccounts()))
        let follower = try KernelFollower(state: state, reader: ProcReader())
        _ = follower.rescan()
        #expect(state.tracker.identity(of: thread.pid)?.comm.description == thread.name)
        state.tracker.upsert(thread.pid, ProcessIdentity(uid: 0, gid: 0, comm: "kthreadd"))

        let auditor = Auditor(state: state, follower: follower)
        let report = auditor.audit()
        #expect(report.isEmpty, "\(report.corrections)")
        #expect(auditor.drift.value == 0)
        #expect(state.tracker.identity(of: thread.pid)?.comm.description == thread.name)
        #expect(follower.reader.readFailures == 0)
    }

    @Test func errorsOfOneKindAreLoggedAtABoundedRateAndAllCounted() {
        let log = LogRecords()
        var limiter = LogLimiter(interval: 60_000_000_000)
        for attempt in 0..<100 {
            limiter.log(log.logger, .error, kind: "publish", "cannot write namespace file", metadata: ["n": "\(attempt)"])
            limiter.log(log.logger, .error, kind: "receive", "cannot receive process events", metadata: [:])
        }
        #expect(log.lines.count == 2, "\(log.lines)")
        var quick = LogLimiter(interval: 0)
        quick.log(log.logger, .error, kind: "publish", "cannot write namespace file", metadata: [:])
        #expect(log.lines.count == 3)
    }

    @Test func thisProcessRunsInTheInitialNamespaces() {
        #expect(TrivialChild.namespaceObstacle() == nil)
    }
}

extension UprocdEndToEnd {
    @Suite struct Audits {
        /// `--audit-interval 1`: audits run, find no drift on a healthy daemon, and every
        /// counter the issue names is in the SIGUSR1 statistics.
        @Test func auditsRunAndStatisticsShowEveryErrorCounter() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 u4251\n")
            let daemon = try await harness.startDaemon(arguments: ["-c", harness.config, "--audit-interval", "1", "--log-level", "debug", harness.out])
            #expect(daemon.log().contains("self-test passed"), "\(harness.daemonLogTail())")
            let sleeper = try harness.spawn(uid: 4251, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "u4251", is: [sleeper.pid])
            try await Task.sleep(for: .milliseconds(2300))
            daemon.signal(SIGUSR1)
            let line = try await daemon.waitForLine(within: .seconds(5)) { $0.hasSuffix("statistics") }
            let stats = line.map { Daemon.metadata($0) } ?? [:]
            #expect(Int(stats["audits"] ?? "") ?? 0 >= 2, "\(stats)")
            #expect(stats["drift"] == "0", "\(harness.daemonLogTail())")
            for counter in ["receive_errors", "overruns", "scan_failures", "publish_failures", "proc_read_failures",
                            "inheritance_checks", "inheritance_corrections", "leader_exits"] {
                #expect(stats[counter] != nil, "\(counter) missing from \(stats)")
            }
            #expect(!daemon.log().contains("drifted"), "\(harness.daemonLogTail())")
            try await daemon.stop()
        }

        /// In a new PID namespace the kernel sends no process events: uprocd says so and exits 1.
        @Test func inANewPIDNamespaceItRefusesToStartAndSaysWhy() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4252 u4252\n")
            let daemon = try Daemon(executable: "/usr/bin/unshare",
                                    arguments: ["--pid", "--fork", "--mount-proc", Harness.uprocd, "-c", harness.config, harness.out],
                                    logPath: harness.root + "/unshared.log")
            defer {
                daemon.signal(SIGKILL)
                daemon.child.reap(within: .seconds(5))
            }
            let status = try await daemon.waitForExit(within: .seconds(10))
            #expect(status == 1, "\(daemon.log())")
            #expect(daemon.log().contains("PID namespace"), "\(daemon.log())")
            #expect(!daemon.log().contains("started"), "\(daemon.log())")
        }

        /// In a new user namespace even its root may not subscribe (EPERM on
        /// this kernel; on others, silence): uprocd says why, exits 1 and
        /// touches nothing.
        @Test func inANewUserNamespaceItRefusesToStartAndSaysWhy() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4252 u4252\n")
            let daemon = try harness.launchDaemon(wrapper: ["/usr/bin/unshare", "--user", "--map-root-user"])
            let status = try await daemon.waitForExit(within: .seconds(10))
            let log = daemon.log()
            #expect(status == 1, "\(log)")
            #expect(log.hasPrefix("uprocd: error: cannot follow the kernel's process events: proc connector: "), "\(log)")
            #expect(log.contains("uprocd runs in a non-initial user namespace (uid_map: 0 0 1)"), "\(log)")
            if log.contains("Operation not permitted") {
                #expect(log.contains("need CAP_NET_ADMIN in the initial user namespace"), "\(log)")
            }
            #expect(harness.outEntries() == nil, "the directory was touched")
        }
    }
}
