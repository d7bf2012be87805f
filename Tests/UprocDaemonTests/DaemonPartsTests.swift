import Foundation
import Logging
import Testing
import UprocConfig
@testable import UprocDaemon
import UprocLinux
import UprocAccounts
import UprocRules
import UprocTestSupport

/// The daemon's parts, driven directly: what an administrator would read in
/// the log and the statistics when something fails.
@Suite struct DaemonPartsTests {
    @Test func aReceiveErrorIsLoggedCountedAndFollowedByARescan() throws {
        try Kernel.require()
        let (state, log) = try Self.state()
        let follower = try KernelFollower(state: state, reader: ProcReader())
        #expect(state.tracker.processCount == 0)

        follower.handle(DrainResult(events: 3, error: SystemCallError(call: "recvmmsg", subject: "NETLINK_CONNECTOR", errno: .ioError)))
        #expect(follower.receiveErrors.value == 1)
        #expect(follower.events.value == 3)
        #expect(follower.rescans.value == 1)
        // The rescan filled the table from /proc: this test process is in it.
        #expect(state.tracker.identity(of: getpid()) != nil)
        let line = log.lines.first { $0.contains("cannot receive process events") }
        #expect(line?.hasPrefix("error:") == true, "\(log.lines)")
        #expect(line?.contains("recvmmsg NETLINK_CONNECTOR: Input/output error") == true, "\(log.lines)")
    }

    @Test func aRescanThatCannotListProcLeavesTheTableAsItWas() throws {
        try Kernel.require()
        let (state, log) = try Self.state()
        state.tracker.upsert(4_000_000, ProcessIdentity(uid: 0, gid: 0, comm: ProcessName()))
        let fakeProc = try TemporaryDirectory()
        let follower = try KernelFollower(state: state, reader: ProcReader(procPath: fakeProc.path))
        removeTree(fakeProc.path)  // /proc vanishes after start-up

        #expect(throws: SystemCallError.self) { try follower.rescan().get() }
        #expect(follower.reader.scanFailures == 1)
        // Not "every process is gone": the table, and so the files, stay.
        #expect(state.tracker.processCount == 1)
        #expect(log.lines.contains { $0.hasPrefix("error: cannot scan /proc; the namespace files are left as they were") })
    }

    /// A /proc read that does not parse is counted and never taken as an
    /// exit: the process keeps its entry through re-reads, rescans and
    /// audits. (PIDs above the kernel's largest pid_max: no event names them.)
    @Test func aProcessWhoseFilesDoNotParseKeepsItsEntry() throws {
        try Kernel.require()
        let (state, _) = try Self.state()
        let fakeProc = try TemporaryDirectory()
        for pid in ["4194305", "4194306"] {
            try FileManager.default.createDirectory(atPath: fakeProc.path + "/" + pid, withIntermediateDirectories: false)
        }
        _ = try fakeProc.write("4194305/status", "Name:\tsleep\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nThreads:\t1\n")
        _ = try fakeProc.write("4194306/status", "Name:\tbroken\nState:\tS (sleeping)\n")
        let reader = try ProcReader(procPath: fakeProc.path)
        let follower = try KernelFollower(state: state, reader: reader)
        let known = ProcessIdentity(uid: 0, gid: 0, comm: "broken")
        state.tracker.upsert(4_194_306, known)

        follower.refresh(4_194_306)  // as after an exec
        #expect(state.tracker.identity(of: 4_194_306) == known)
        _ = follower.rescan()
        #expect(state.tracker.identity(of: 4_194_306) == known)
        #expect(state.tracker.identity(of: 4_194_305) != nil)
        let auditor = Auditor(state: state, follower: follower)
        #expect(auditor.audit().isEmpty)
        #expect(state.tracker.identity(of: 4_194_306) == known)
        #expect(auditor.drift.value == 0)
        #expect(reader.readFailures == 3)
        #expect(state.tracker.members(of: try #require(state.tracker.table.id(of: "root"))) == [4_194_305, 4_194_306])
    }
}

extension DaemonPartsTests {
    /// The state parts share, on a one-rule config, logging into `LogRecords`.
    static func state() throws -> (DaemonState, LogRecords) {
        let log = LogRecords()
        let config = try ConfigLoader.compile(.init(path: "t.conf", text: "uid 0 root\n"), accounts: SystemAccounts())
        return (DaemonState(options: DaemonOptions(), logger: log.logger, config: config), log)
    }
}

/// A logger whose records are kept as `level: message metadata` lines.
final class LogRecords: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] { lock.withLock { stored } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(records: self) }
    }

    fileprivate func append(_ line: String) { lock.withLock { stored.append(line) } }

    private struct Handler: LogHandler {
        let records: LogRecords
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            records.append("\(event.level): \(event.message) \(fields.joined(separator: " "))")
        }
    }
}
