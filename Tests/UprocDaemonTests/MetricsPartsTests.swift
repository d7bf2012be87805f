import Foundation
import Testing
import UprocConfig
@testable import UprocDaemon
import UprocEvents
import UprocLinux
import UprocRules
import UprocTestSupport

/// The pieces behind `--metrics-file` and the statistics line.
@Suite struct MetricsPartsTests {
    @Test(arguments: [
        ([0, 3, 1, 3, 0], 2, [1, 3]),  // the largest, ties in the rules' order
        ([0, 3, 1, 3, 0], 4, [1, 3, 2, 0]),  // then empty ones, in the rules' order
        ([0, 3, 1, 3, 0], 9, [1, 3, 2, 0, 4]),
        ([5, 0], 0, []),
        ([], 3, []),
    ] as [([Int], Int, [Int])])
    func largestNamespacesFirst(counts: [Int], limit: Int, expected: [Int]) {
        #expect(DaemonMetrics.largest(counts, limit: limit) == expected)
    }

    @Test func eventsAreTimedToTheWriteThatFollowsThem() {
        var latency = EventLatency()
        latency.noted(1_000_000)
        latency.noted(1_040_000)
        latency.written(at: 1_050_000)  // 50 µs and 10 µs
        #expect(latency.histogram.count == 2)
        #expect(abs(latency.histogram.sum - 0.00006) < 1e-12)
        // Events that changed nothing are not timed to a later write.
        latency.noted(2_000_000)
        latency.forget()
        latency.written(at: 9_000_000)
        #expect(latency.histogram.count == 2)
    }

    @Test func aBurstBeyondTheBufferIsStillCounted() {
        var latency = EventLatency()
        for index in 0..<(EventLatency.capacity + 10) { latency.noted(UInt64(index)) }
        latency.written(at: UInt64(EventLatency.capacity + 10))
        #expect(latency.histogram.count == UInt64(EventLatency.capacity + 10))
    }

    @Test func theStatusLineSaysWhatSystemdShows() {
        #expect(SystemdReporter.statusText(processes: 312, namespaces: 40, drops: 0, lastReload: nil)
            == "312 processes, 40 namespaces, 0 kernel drops; no reload yet")
        #expect(SystemdReporter.statusText(processes: 1, namespaces: 2, drops: 3, lastReload: .failed)
            == "1 processes, 2 namespaces, 3 kernel drops; last reload failed, previous rules kept")
    }

    /// Every counter set to its own value: the line shows each under its
    /// name, and the metrics text the same value in the counter's family.
    @Test func theStatisticsLineAndTheMetricsSayTheSame() throws {
        try Kernel.require()
        // The /proc reader's counts, made by reads of a /proc of its own.
        let fakeProc = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: fakeProc.path + "/4194305", withIntermediateDirectories: false)
        _ = try fakeProc.write("4194305/status", "Name:\tbroken\nState:\tS (sleeping)\n")
        let reader = try ProcReader(procPath: fakeProc.path)
        for _ in 0..<43 { try reader.scan(reading: [.uid]) { _, _ in } }  // proc_read_failures
        for _ in 0..<28 { _ = reader.lookUp(4_194_306, reading: [.uid]) }  // proc_reads
        removeTree(fakeProc.path)
        for _ in 0..<25 { _ = try? reader.scan(reading: [.uid]) { _, _ in } }  // scan_failures

        let parts = try CountingParts(reader: reader)
        defer { parts.publisher.removeAll() }
        let follower = parts.follower
        let events: [(ProcEvent.Kind, Int)] = [
            (.fork(parentPID: 1, parentTGID: 1, childPID: 2, childTGID: 2), 1), (.exec(pid: 2, tgid: 2), 2),
            (.uid(pid: 2, tgid: 2, ruid: 0, euid: 0), 3), (.gid(pid: 2, tgid: 2, rgid: 0, egid: 0), 4),
            (.comm(pid: 2, tgid: 2, comm: Comm()), 5), (.exit(pid: 2, tgid: 2), 6),
        ]
        for (kind, count) in events { for _ in 0..<count { follower.events.count(kind) } }
        follower.events.received(21)
        follower.overruns.add(22)
        follower.receiveErrors.add(23)
        follower.rescans.add(24)
        parts.publisher.writer.publishes.add(26)
        parts.publisher.writer.failures.add(27)
        follower.pauses.add(29)
        follower.inheritance.checked.add(30)
        follower.inheritance.corrected.add(31)
        follower.leaderExits.exits.add(32)
        parts.auditor.audits.add(33)
        parts.publisher.budget.deferrals.add(34)
        parts.auditor.drift.add(35)
        parts.publisher.directoryGuard.repairs.add(36)
        parts.systemd.drops.add(37)
        parts.reloader.reloads.record(.applied)
        parts.reloader.reloads.record(.failed)
        parts.reloader.reloads.record(.failed)
        parts.state.tracker.upsert(4_000_000, ProcessIdentity(uid: 0, gid: 0, comm: ProcessName()))
        var connector = ProcConnectorStatistics()
        connector.datagrams = 41
        connector.foreignDatagrams = 42
        let counters = parts.counters(socket: connector)

        let line = counters.metadata().mapValues { "\($0)" }
        var expected = [
            "events": 21, "overruns": 22, "receive_errors": 23, "rescans": 24, "scan_failures": 25, "publishes": 26,
            "publish_failures": 27, "proc_reads": 28, "pauses": 29, "inheritance_checks": 30, "inheritance_corrections": 31,
            "leader_exits": 32, "audits": 33, "publish_deferrals": 34, "drift": 35, "repairs": 36, "notify_drops": 37, "reloads": 3,
            "datagrams": 41, "foreign_datagrams": 42, "proc_read_failures": 43, "processes": 1, "template_refusals": 0,
            // No namespace accounted: zero.
            "accounting_samples": 0, "exit_record_drops": 0, "accounting_lost_records": 0,
        ].mapValues { "\($0)" }
        let cpu = try #require(line["cpu_ns"].flatMap { Double($0) })
        expected["cpu_ns"] = line["cpu_ns"]
        #expect(line == expected)

        let exposition = try Exposition(DaemonMetrics.text(parts.state, counters, startTime: 0))
        func total(_ family: String) -> Double? {
            let samples = exposition.samples.filter { $0.name == family }
            return samples.isEmpty ? nil : samples.reduce(0) { $0 + $1.value }
        }
        for counter in counters.all.map(\.name) {
            let family = "uproc_\(counter.family)\(counter.kind == .counter ? "_total" : "")"
            let value = try #require(total(family), "\(family) missing")
            #expect(exposition.help[family]?.isEmpty == false, "\(family)")
            if counter.field == "cpu_ns" {
                #expect(value >= cpu / 1e9 && value < cpu / 1e9 + 1, "\(value) s, \(cpu) ns")
            } else if counter.field == "events" {
                #expect(value == 21 && exposition.value(family, ["type": "comm"]) == 5)  // the types' sum
            } else {
                #expect(value == Double(line[counter.field] ?? "") , "\(family) \(value), \(counter.field) \(line[counter.field] ?? "")")
            }
        }
        #expect(exposition.value("uproc_reloads_total", ["outcome": "failed"]) == 2)
        #expect(exposition.value("uproc_kernel_drops_total") == 22)
    }

    /// Every family is in uprocd(8) METRICS and in the README's Metrics section.
    @Test func everyFamilyIsDocumented() throws {
        try Kernel.require()
        let parts = try CountingParts()
        defer { parts.publisher.removeAll() }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let page = try String(contentsOf: root.appendingPathComponent("man/uprocd.8"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(page.firstIndex(of: ".SH METRICS"))
        let section = Array(page[(start + 1)...].prefix { !$0.hasPrefix(".SH ") })
        let documented = Set(section.indices.dropLast().filter { section[$0] == ".TP" }.map {
            String(section[$0 + 1].split(separator: " ")[1].prefix { $0 != "{" && $0 != "\"" })
        })
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let metrics = try #require(readme.range(of: "## Metrics\n")).upperBound
        let readmeSection = String(readme[metrics...]).components(separatedBy: "\n## ")[0]
        for counter in parts.counters(socket: ProcConnectorStatistics()).all.map(\.name) {
            let family = "uproc_\(counter.family)\(counter.kind == .counter ? "_total" : "")"
            #expect(documented.contains(family), "\(family) not in uprocd(8) METRICS")
            #expect(readmeSection.contains("`\(family)"), "\(family) not in the README's Metrics section")
        }
    }
}

/// The daemon's parts whose counters `DaemonCounters` reads, on a one-rule
/// config, with a directory of their own.
struct CountingParts {
    /// Holds the namespace directory.
    private let directory: TemporaryDirectory
    let follower: KernelFollower
    let publisher: Publisher
    let reloader: Reloader
    let auditor: Auditor
    let systemd: SystemdReporter

    var state: DaemonState { follower.state }

    init(reader: ProcReader? = nil) throws {
        directory = try TemporaryDirectory()
        var options = DaemonOptions()
        options.directory = directory.path + "/out"
        let config = try ConfigLoader.compile(.init(path: "t.conf", text: "uid 0 root\n"), accounts: SystemAccounts())
        let state = DaemonState(options: options, logger: LogRecords().logger, config: config)
        follower = try KernelFollower(state: state, reader: reader ?? ProcReader())
        publisher = try Publisher(state: state)
        reloader = Reloader(state: state, publisher: publisher, follower: follower)
        auditor = Auditor(state: state, follower: follower)
        systemd = SystemdReporter(state: state, drops: follower.overruns, reloads: reloader.reloads)
    }

    /// As the daemon reads them, the socket's counts being `socket`.
    func counters(socket: ProcConnectorStatistics) -> DaemonCounters {
        DaemonCounters(follower: follower, publisher: publisher, reloader: reloader, auditor: auditor, systemd: systemd,
                       socket: { socket })
    }
}
