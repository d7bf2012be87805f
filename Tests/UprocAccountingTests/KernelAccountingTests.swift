import Foundation
import Glibc
import Testing
import UprocAccounting
import UprocEvents
import UprocLinux
import UprocTestSupport

/// The kernel's exit records and process events, fed to a ledger as the
/// daemon will: what short-lived members used and how they ended.
@Suite(.serialized, .enabled(if: Kernel.available, Kernel.reason))
struct KernelAccountingTests {
    static func burner(iterations: Int, exit code: Int) -> [String] {
        ["/bin/sh", "-c", "i=0; while [ $i -lt \(iterations) ]; do i=$((i+1)); done; exit \(code)"]
    }

    /// Which records a process that had threads produces: one per thread as
    /// it exits, the last (`groupEnded`) with the group's totals, whose CPU
    /// is the sum of every thread's.
    @Test func aProcessThatHadThreadsSendsOneRecordPerThreadAndTotalsWithTheLast() async throws {
        try Kernel.require()
        let listener = try TaskStatsListener(receiveBufferSize: 8 << 20)
        let fixture = try Steered([Tools.path("uproc-testproc")])
        try await fixture.send("threads 3")
        try await fixture.send("join-threads")
        let pid = fixture.pid
        let records = try await withFixtureEnded(fixture) {
            // Ours only: a fork storm of a test run alongside reuses PIDs.
            drain(listener) { $0.contains { $0.tgid == pid && $0.parentTGID == getpid() && $0.groupEnded } }
                .filter { $0.tgid == pid && $0.parentTGID == getpid() }
        }
        #expect(records.count >= 4, "3 threads and the leader: \(records.map(\.pid))")
        let ending = records.filter(\.groupEnded)
        #expect(ending.count == 1 && ending.first == records.last)
        let group = try #require(ending.first?.group)
        #expect(group.runtimeNanoseconds == records.reduce(0) { $0 + $1.task.runtimeNanoseconds })
        #expect(group.userSampleMicroseconds == records.reduce(0) { $0 + $1.task.userSampleMicroseconds })
        #expect(group.systemSampleMicroseconds == records.reduce(0) { $0 + $1.task.systemSampleMicroseconds })
        #expect(group.writeBytes == 0 && group.readBytes == 0, "the kernel's group totals leave I/O out")
    }

    /// Short-lived members, each shorter than a sample interval, counted
    /// from their exit records alone: the ledger agrees with `getrusage`;
    /// exits count by outcome (0, 1, SIGKILL) from the proc connector and
    /// the records, met in whatever order they were read.
    @Test func shortLivedMembersAreCountedFromTheirRecords() throws {
        let connector = try ProcConnector(receiveBufferSize: 8 << 20)
        _ = try connector.subscribe()
        let listener = try TaskStatsListener(receiveBufferSize: 8 << 20)
        var ledger = AccountingLedger(slotCount: 1, exact: true)
        var children: [ReapedChild] = []
        var exitDetails: [Int32: ExitDetail] = [:]
        func feed() {
            // Our children's only: a fork storm of a test run alongside reuses PIDs.
            listener.drain { if $0.parentTGID == getpid() { ledger.recorded($0, now: MonotonicClock.nanoseconds()) } }
            connector.drain { event in
                guard case .exit(let pid, let tgid) = event.kind, pid == tgid else { return }
                exitDetails[pid] = event.exitDetail
                ledger.ended(pid, status: event.exitDetail?.status, now: MonotonicClock.nanoseconds())
            }
        }
        let member = SlotSet([0])
        for round in 0..<40 {
            let argv = round % 20 == 19 ? ["/bin/sleep", "30"] : Self.burner(iterations: 20_000, exit: round % 10 == 9 ? 1 : 0)
            // The FORK the daemon would see: the ledger takes it when it comes (here, right after the spawn).
            children.append(try ReapedChild.run(argv) { pid in
                ledger.forked(pid, into: member)
                if argv[0] == "/bin/sleep" { kill(pid, SIGKILL) }
            })
            if round % 8 == 0 { feed() }
        }
        let pids = Set(children.map(\.pid))
        let deadline = MonotonicClock.nanoseconds() + 5_000_000_000
        while ledger.memberCount > 0 && MonotonicClock.nanoseconds() < deadline {
            feed()
            usleep(2_000)
        }
        #expect(ledger.memberCount == 0)
        #expect(Set(exitDetails.keys).isSuperset(of: pids))
        // The proc connector's EXIT carries what wait(2) returned, and SIGCHLD for the parent.
        for child in children {
            #expect(exitDetails[child.pid]?.status.rawValue == UInt32(bitPattern: child.waitStatus))
            #expect(exitDetails[child.pid]?.parentSignal == SIGCHLD)
        }
        let totals = ledger.totals()[0]
        let truth = children.reduce(0) { $0 + $1.cpuMicroseconds }
        let ratio = Double(totals.usage.cpuMicroseconds) / Double(truth)
        #expect(abs(ratio - 1) <= 0.15, "ledger \(totals.usage.cpuMicroseconds) µs, getrusage \(truth) µs")
        #expect(totals.exits == ExitCounts(success: 36, failure: 2, signal: 2))
        #expect(totals.starts == 40 && totals.processes == 0)
        #expect(ledger.statistics == AccountingLedger.Statistics())
        print("ledger, 40 short processes: \(totals.usage.cpuMicroseconds) µs, getrusage \(truth) µs (ratio \(ratio))")
    }

    /// Drains until `done` holds or five seconds pass.
    private func drain(_ listener: TaskStatsListener, until done: ([TaskExitRecord]) -> Bool) -> [TaskExitRecord] {
        var records: [TaskExitRecord] = []
        let deadline = MonotonicClock.nanoseconds() + 5_000_000_000
        repeat {
            listener.drain { records.append($0) }
            if done(records) { break }
            usleep(2_000)
        } while MonotonicClock.nanoseconds() < deadline
        return records
    }

    /// Ends the fixture (EOF on its stdin: it exits 0), reaps it, then runs `body`.
    private func withFixtureEnded<T>(_ fixture: Steered, _ body: () -> T) async throws -> T {
        fixture.closeInput()
        _ = try await fixture.child.waitForExit(within: .seconds(10))
        return body()
    }
}
