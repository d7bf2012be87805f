import Foundation
import Testing
@testable import UprocDaemon
import UprocLinux
import UprocRules

/// The pure pieces behind `--metrics-file`.
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
        #expect(ServiceNotify.statusText(processes: 312, namespaces: 40, drops: 0, lastReload: nil)
            == "312 processes, 40 namespaces, 0 kernel drops; no reload yet")
        #expect(ServiceNotify.statusText(processes: 1, namespaces: 2, drops: 3, lastReload: .failed)
            == "1 processes, 2 namespaces, 3 kernel drops; last reload failed, previous rules kept")
    }

    /// Every counter set to its own value: the line shows each under its
    /// name, and the metrics text the same value in the counter's family.
    @Test func theStatisticsLineAndTheMetricsSayTheSame() throws {
        let (state, _) = try DaemonPartsTests.state()
        state.statistics.eventTypes = EventCounts(fork: 1, exec: 2, uid: 3, gid: 4, comm: 5, exit: 6)
        state.statistics.events = 21
        state.statistics.overruns = 22
        state.statistics.receiveErrors = 23
        state.statistics.rescans = 24
        state.statistics.scanFailures = 25
        state.statistics.publishes = 26
        state.statistics.publishFailures = 27
        state.statistics.procReads = 28
        state.statistics.pauses = 29
        state.statistics.inheritanceChecks = 30
        state.statistics.inheritanceCorrections = 31
        state.statistics.leaderExits = 32
        state.statistics.audits = 33
        state.statistics.publishDeferrals = 34
        state.statistics.drift = 35
        state.statistics.repairs = 36
        state.statistics.notifyDrops = 37
        state.statistics.reloads.record(.applied)
        state.statistics.reloads.record(.failed)
        state.statistics.reloads.record(.failed)
        state.tracker.upsert(4_000_000, ProcessIdentity(uid: 0, gid: 0, comm: ProcessName()))
        var connector = ProcConnectorStatistics()
        connector.datagrams = 41
        connector.foreignDatagrams = 42
        let sources = CounterSources(state: state, connector: connector, procReadFailures: 43)

        let line = DaemonCounters.metadata(sources).mapValues { "\($0)" }
        var expected = [
            "events": 21, "overruns": 22, "receive_errors": 23, "rescans": 24, "scan_failures": 25, "publishes": 26,
            "publish_failures": 27, "proc_reads": 28, "pauses": 29, "inheritance_checks": 30, "inheritance_corrections": 31,
            "leader_exits": 32, "audits": 33, "publish_deferrals": 34, "drift": 35, "repairs": 36, "notify_drops": 37, "reloads": 3,
            "datagrams": 41, "foreign_datagrams": 42, "proc_read_failures": 43, "processes": 1,
        ].mapValues { "\($0)" }
        let cpu = try #require(line["cpu_ns"].flatMap { Double($0) })
        expected["cpu_ns"] = line["cpu_ns"]
        #expect(line == expected)

        let exposition = try Exposition(DaemonMetrics.text(sources, startTime: 0))
        func total(_ family: String) -> Double? {
            let samples = exposition.samples.filter { $0.name == family }
            return samples.isEmpty ? nil : samples.reduce(0) { $0 + $1.value }
        }
        for counter in DaemonCounters.all {
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
        for counter in DaemonCounters.all {
            let family = "uproc_\(counter.family)\(counter.kind == .counter ? "_total" : "")"
            #expect(documented.contains(family), "\(family) not in uprocd(8) METRICS")
            #expect(readmeSection.contains("`\(family)"), "\(family) not in the README's Metrics section")
        }
    }
}
