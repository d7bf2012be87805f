import CLinuxProc
import Foundation
import Glibc
import Testing
import UprocEvents
import UprocLinux
import UprocTestSupport

/// The kernel's taskstats exit records, as the listener receives them.
@Suite(.serialized, .enabled(if: Kernel.available, Kernel.reason))
struct TaskStatsListenerTests {
    /// A shell loop that burns CPU, then exits with `code`.
    static func burner(iterations: Int, exit code: Int) -> [String] {
        ["/bin/sh", "-c", "i=0; while [ $i -lt \(iterations) ]; do i=$((i+1)); done; exit \(code)"]
    }

    /// The record of a process that burned CPU and exited agrees with what
    /// `getrusage` says of it (the kernel's own truth) within the kernel's
    /// granularity: its CPU time is sampled at timer ticks (4 ms at HZ=250,
    /// 10 ms at HZ=100), one tick either way.
    @Test func theExitRecordOfABurningChildAgreesWithGetrusage() throws {
        let listener = try TaskStatsListener(receiveBufferSize: 4 << 20)
        let child = try ReapedChild.run(Self.burner(iterations: 40_000, exit: 3))
        let records = collect(listener) { $0.contains { $0.pid == child.pid && $0.groupEnded } }
        let record = try #require(records.first { $0.pid == child.pid }, "no exit record for \(child.pid)")
        #expect(record.tgid == child.pid && record.parentTGID == getpid())
        #expect(record.groupEnded && record.group == nil, "a single-threaded process: one record, no group totals")
        #expect(record.status.outcome == .failure(code: 3) && Int32(record.status.rawValue) == child.waitStatus)
        #expect(record.comm == "sh")
        let usage = record.processUsage
        let difference = abs(Int64(usage.cpuMicroseconds) - Int64(child.cpuMicroseconds))
        #expect(difference <= 10_000 + Int64(child.cpuMicroseconds) / 20,
                "record \(usage.cpuMicroseconds) µs, getrusage \(child.cpuMicroseconds) µs")
        #expect(child.cpuMicroseconds >= 10_000, "the child burned \(child.cpuMicroseconds) µs: too little to compare")
        print("taskstats: samples \(usage.userMicroseconds)+\(usage.systemMicroseconds) µs, runtime "
              + "\(record.task.runtimeNanoseconds / 1000) µs, getrusage \(child.userMicroseconds)+\(child.systemMicroseconds) µs")
    }

    /// Short processes of about 20 ms (five ticks at HZ=250): their records'
    /// tick samples sum to about what `getrusage` says of them all, while
    /// each one's runtime stays below its `getrusage` figure (it lacks the
    /// process's last slice; see tools/bench/taskstats-exactness.c).
    @Test func theRecordsOfShortProcessesSumToGetrusage() throws {
        let listener = try TaskStatsListener(receiveBufferSize: 8 << 20)
        var children: [ReapedChild] = []
        for _ in 0..<30 { children.append(try ReapedChild.run(Self.burner(iterations: 20_000, exit: 0))) }
        let pids = Set(children.map(\.pid))
        // Our children's only, each its first record: other tests of this
        // process run alongside, and one's child may get a PID ours had
        // (its record comes after ours, which is sent before the reaping).
        var first = Set<Int32>()
        let records = collect(listener) { records in pids.isSubset(of: Set(records.filter { $0.parentTGID == getpid() }.map(\.pid))) }
            .filter { pids.contains($0.pid) && $0.parentTGID == getpid() && first.insert($0.pid).inserted }
        #expect(records.count == children.count)
        let truth = children.reduce(0) { $0 + $1.cpuMicroseconds }
        let sampled = records.reduce(0) { $0 + $1.processUsage.cpuMicroseconds }
        let runtime = records.reduce(0) { $0 + $1.task.runtimeNanoseconds / 1000 }
        let ratio = Double(sampled) / Double(truth)
        // Tick sampling errs either way, a few % over a run of this size.
        #expect(abs(ratio - 1) <= 0.15, "records \(sampled) µs, getrusage \(truth) µs")
        for child in children {
            let record = records.first { $0.pid == child.pid }
            #expect((record?.task.runtimeNanoseconds ?? 0) / 1000 <= child.cpuMicroseconds)
        }
        print("taskstats, \(children.count) short processes: samples \(sampled) µs, runtime \(runtime) µs, getrusage \(truth) µs "
              + "(samples/getrusage \(ratio), runtime/getrusage \(Double(runtime) / Double(truth)))")
    }

    @Test func aKilledProcessRecordsItsSignal() throws {
        let listener = try TaskStatsListener(receiveBufferSize: 4 << 20)
        let child = try ReapedChild.run(["/bin/sleep", "30"]) { kill($0, SIGKILL) }
        let records = collect(listener) { $0.contains { $0.pid == child.pid } }
        let record = try #require(records.first { $0.pid == child.pid })
        #expect(record.status.outcome == .signal(UInt8(SIGKILL)))
    }

    /// Storage I/O is counted per task: a process that writes and fsyncs a
    /// file on a disk (not tmpfs, where nothing reaches storage) shows it.
    @Test func writesThatReachTheDiskAreInTheRecord() throws {
        let listener = try TaskStatsListener(receiveBufferSize: 4 << 20)
        let directory = try TemporaryDirectory(onDisk: true)
        let file = directory.path + "/written"
        let child = try ReapedChild.run(["/bin/dd", "if=/dev/zero", "of=\(file)", "bs=65536", "count=16", "conv=fsync"])
        let records = collect(listener) { $0.contains { $0.pid == child.pid } }
        let record = try #require(records.first { $0.pid == child.pid })
        #expect(record.processUsage.writeBytes >= 1 << 20, "wrote \(record.processUsage.writeBytes) bytes")
    }

    /// Without CAP_NET_ADMIN the kernel refuses the registration, and the
    /// error says so (the daemon then samples `/proc` alone). Only this
    /// test's thread gives the capability up.
    @Test func withoutCapNetAdminTheRegistrationIsRefused() throws {
        let outcome = onThreadWithout(capability: CAP_NET_ADMIN) {
            Result { () throws(TaskStatsError) in _ = try TaskStatsListener(receiveBufferSize: 1 << 20) }
        }
        guard case .failure(let error) = outcome else {
            Issue.record("the kernel accepted a listener without CAP_NET_ADMIN")
            return
        }
        #expect(error.isNotPermitted, "\(error)")
        #expect("\(error)".contains("CAP_NET_ADMIN"))
    }

    @Test func theSocketIsNonBlockingAndCloseOnExec() throws {
        let listener = try TaskStatsListener(receiveBufferSize: 1 << 20)
        #expect(fcntl(listener.fileDescriptor, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(listener.fileDescriptor, F_GETFD) & FD_CLOEXEC != 0)
        #expect(listener.family > 0x10, "a dynamically assigned family")
        #expect(listener.cpuList == TaskStatsListener.possibleCPUs())
        // A drain never blocks: it returns when the socket is empty.
        let start = MonotonicClock.nanoseconds()
        listener.drain { _ in }
        #expect(MonotonicClock.nanoseconds() - start < 1_000_000_000)
    }

    /// Records lost for a full receive buffer (ENOBUFS) are counted and
    /// reported, never an error; records after it arrive as before.
    @Test func lostRecordsAreCountedAndTheListenerGoesOn() throws {
        let listener = try TaskStatsListener(receiveBufferSize: 1)
        for _ in 0..<40 { _ = try ReapedChild.run(["/bin/true"]) }
        var overrun = false
        let first = listener.drain { _ in }
        overrun = first.overrun
        #expect(first.error == nil)
        #expect(overrun && listener.statistics.overruns >= 1, "a 2 KiB buffer held 40 exits")
        // Room again, so that this machine's other exits do not crowd ours out.
        var size: Int32 = 4 << 20
        setsockopt(listener.fileDescriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        let child = try ReapedChild.run(["/bin/true"])
        let records = collect(listener) { $0.contains { $0.pid == child.pid } }
        #expect(records.contains { $0.pid == child.pid })
    }

    @Test func possibleCPUsComeFromSysfsOrTheConfiguredCount() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/possible"
        try "0-3,8\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(TaskStatsListener.possibleCPUs(path: file) == "0-3,8")
        try "garbage\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(TaskStatsListener.possibleCPUs(path: file) == "0-\(sysconf(Int32(_SC_NPROCESSORS_CONF)) - 1)")
        #expect(TaskStatsListener.possibleCPUs(path: directory.path + "/missing").hasPrefix("0-"))
    }

    /// Drains until `done` holds or five seconds pass.
    private func collect(_ listener: TaskStatsListener, until done: ([TaskExitRecord]) -> Bool) -> [TaskExitRecord] {
        var records: [TaskExitRecord] = []
        let deadline = MonotonicClock.nanoseconds() + 5_000_000_000
        repeat {
            listener.drain { records.append($0) }
            if done(records) { break }
            usleep(2_000)
        } while MonotonicClock.nanoseconds() < deadline
        return records
    }

    /// Runs `body` on a thread of its own whose effective capabilities lack
    /// `capability` (capabilities are per thread); the thread then ends.
    private func onThreadWithout<T: Sendable>(capability: Int32, _ body: @escaping @Sendable () -> T) -> T {
        let box = ResultBox<T>()
        let thread = Thread {
            if CLinuxProc_drop_effective_capability(capability) != 0 {
                fatalError("capset: \(String(cString: strerror(errno)))")
            }
            box.set(body())
        }
        thread.start()
        return box.wait()
    }
}

/// One value handed from a thread to the test, once.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: T?

    func set(_ newValue: T) {
        condition.lock()
        value = newValue
        condition.signal()
        condition.unlock()
    }

    func wait() -> T {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}
