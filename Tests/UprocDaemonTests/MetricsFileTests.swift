import Foundation
import Testing
import UprocTestSupport

/// The metrics file read with the strict `Exposition` reader, its samples
/// keyed by series (`name{label="value"}`; one label at most here).
struct MetricsSnapshot {
    var samples: [String: Double] = [:]
    var types: [String: String]
    var helped: Set<String>

    init?(_ text: String) {
        guard let exposition = try? Exposition(text) else { return nil }
        types = exposition.type
        helped = Set(exposition.help.keys)
        for sample in exposition.samples {
            let labels = sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }
            samples[sample.name + (labels.isEmpty ? "" : "{\(labels.joined(separator: ","))}")] = sample.value
        }
    }

    subscript(_ series: String) -> Double? { samples[series] }

    func integer(_ series: String) -> Int? { samples[series].map { Int($0) } }

    /// The series of one family (`name{…}` and `name`).
    func series(of name: String) -> [String: Double] {
        samples.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
    }
}

extension UprocdEndToEnd {
    /// `--metrics-file`: a Prometheus text file that says what the namespace files and the log say.
    @Suite struct MetricsFile {
        static func read(_ path: String) -> MetricsSnapshot? {
            FileManager.default.contents(atPath: path).flatMap { MetricsSnapshot(String(decoding: $0, as: UTF8.self)) }
        }

        /// Polls the file (8 s: written at most once a second) until `condition` holds.
        static func waitFor(_ path: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                            _ condition: (MetricsSnapshot) -> Bool) async throws -> MetricsSnapshot {
            let end = ContinuousClock.now + .seconds(8)
            // Look once more after the deadline: a starved task may wake late.
            while true {
                if let metrics = read(path), condition(metrics) { return metrics }
                if ContinuousClock.now >= end { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "(no file)"
            throw HarnessError("metrics: \(what) not reached within 8 s; the file holds:\n\(text)")
        }

        @Test func valuesAgreeWithTheNamespaceFilesAndTheLog() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4271 a\nuid 4272 b\nuid 4273 c\n")
            let directory = harness.root + "/textfile"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            let path = directory + "/uproc.prom"
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--min-interval", "1", "--log-level", "debug",
                "--metrics-file", path, "--metrics-interval", "1", harness.out,
            ])
            let first = try await Self.waitFor(path, "the first write") { _ in true }
            #expect(first["uproc_namespaces"] == 3)
            for name in ["a", "b", "c"] { #expect(first["uproc_namespace_processes{namespace=\"\(name)\"}"] == 0) }
            #expect(first["uproc_reloads_total{outcome=\"applied\"}"] == 0)
            // Every family documented and typed; counters end in _total.
            for (family, type) in first.types {
                #expect(first.helped.contains(family) && family.hasPrefix("uproc_"))
                #expect((type == "counter") == family.hasSuffix("_total"), "\(family) \(type)")
            }

            let a = try (0..<2).map { _ in try harness.spawn(uid: 4271, ["/bin/sleep", "30"]).pid }
            let b = try harness.spawn(uid: 4272, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "a", is: a)
            try await harness.waitUntil(namespace: "b", is: [b])
            let metrics = try await Self.waitFor(path, "a=2, b=1") {
                $0["uproc_namespace_processes{namespace=\"a\"}"] == 2 && $0["uproc_namespace_processes{namespace=\"b\"}"] == 1
            }
            for name in ["a", "b", "c"] {
                #expect(metrics.integer("uproc_namespace_processes{namespace=\"\(name)\"}") == harness.pids(name)?.count, "\(name)")
            }
            #expect(try #require(metrics.integer("uproc_processes")) >= 3)
            // setpriv forks and execs sleep: at least one of each per process.
            #expect(try #require(metrics.integer("uproc_events_total{type=\"fork\"}")) >= 3)
            #expect(try #require(metrics.integer("uproc_events_total{type=\"exec\"}")) >= 6)
            #expect(metrics.series(of: "uproc_events_total").count == 6)

            // The histogram: cumulative buckets ending in +Inf = count; these processes were timed.
            let count = try #require(metrics["uproc_event_to_file_seconds_count"])
            #expect(count >= 3)
            #expect(metrics["uproc_event_to_file_seconds_bucket{le=\"+Inf\"}"] == count)
            let buckets = metrics.series(of: "uproc_event_to_file_seconds_bucket")
                .compactMap { key, value -> (Double, Double)? in
                    guard let bound = key.firstMatch(of: /le="([^"]+)"/).map({ String($0.output.1) }) else { return nil }
                    return (bound == "+Inf" ? .infinity : Double(bound) ?? .nan, value)
                }
                .sorted { $0.0 < $1.0 }
            #expect(buckets.count == 14)
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.1 <= $1.1 })
            let sum = try #require(metrics["uproc_event_to_file_seconds_sum"])
            #expect(sum > 0 && sum / count < 1.0, "mean \(sum / count) s")

            // Reloads by outcome, counted as the log tells them: an edit (inotify),
            // SIGHUP on the same rules, a broken edit.
            let beforeReload = Date().timeIntervalSince1970
            try harness.rewriteConfig("uid 4271 a\nuid 4272 b\n")
            #expect(try await daemon.waitForLine { $0.hasSuffix(" reloaded") } != nil)
            daemon.signal(SIGHUP)
            #expect(try await daemon.waitForLine { $0.hasSuffix(" reload skipped: the rules' input is unchanged") } != nil)
            try harness.rewriteConfig("uid 4271 a\nfrob\n")
            #expect(try await daemon.waitForLine { $0.contains("reload failed") } != nil)
            // (An editor's save may take two reloads; each is logged and counted.)
            let reloaded = try await Self.waitFor(path, "the reloads the log tells") {
                $0.integer("uproc_reloads_total{outcome=\"applied\"}") == daemon.lines().filter { $0.hasSuffix(" reloaded") }.count
                    && $0.integer("uproc_reloads_total{outcome=\"unchanged\"}")
                        == daemon.lines().filter { $0.hasSuffix(" reload skipped: the rules' input is unchanged") }.count
                    && $0.integer("uproc_reloads_total{outcome=\"failed\"}") == daemon.lines().filter { $0.contains(" reload failed") }.count
            }
            #expect(reloaded["uproc_reloads_total{outcome=\"applied\"}"] == 1)
            #expect(try #require(reloaded.integer("uproc_reloads_total{outcome=\"unchanged\"}")) >= 1)
            #expect(try #require(reloaded.integer("uproc_reloads_total{outcome=\"failed\"}")) >= 1)
            #expect(reloaded["uproc_namespaces"] == 2)
            #expect(reloaded["uproc_namespace_processes{namespace=\"c\"}"] == nil)
            let lastSuccess = try #require(reloaded["uproc_config_last_reload_success_timestamp_seconds"])
            #expect(lastSuccess >= beforeReload - 1 && lastSuccess <= Date().timeIntervalSince1970 + 1)

            // SIGUSR1's statistics line and the file agree.
            daemon.signal(SIGUSR1)
            let line = try #require(try await daemon.waitForLine { $0.hasSuffix("statistics") })
            let statistics = Daemon.metadata(line)
            let settled = try await Self.waitFor(path, "the counters at SIGUSR1") {
                $0.integer("uproc_rescans_total") == Int(statistics["rescans"] ?? "")
                    && $0.integer("uproc_kernel_drops_total") == Int(statistics["overruns"] ?? "")
            }
            #expect(settled.integer("uproc_publish_failures_total") == Int(statistics["publish_failures"] ?? ""))
            #expect(settled.integer("uproc_receive_errors_total") == Int(statistics["receive_errors"] ?? ""))
            #expect(try #require(settled.integer("uproc_publishes_total")) <= Int(statistics["publishes"] ?? "") ?? -1)

            // Nothing but the file in its directory (no temporary left); gone after a clean stop.
            #expect((try? FileManager.default.contentsOfDirectory(atPath: directory)) == ["uproc.prom"])
            try await daemon.stop()
            #expect((try? FileManager.default.contentsOfDirectory(atPath: directory)) == [])
        }

        /// The family each statistics-line field is exported as: `uproc_<field>_total`
        /// unless named here.
        static let familyOfField = [
            "overruns": "uproc_kernel_drops_total", "processes": "uproc_processes", "cpu_ns": "uproc_cpu_seconds_total",
        ]

        /// The value of `family` in `metrics`: labelled families summed.
        static func value(of family: String, in metrics: MetricsSnapshot) -> Double? {
            let series = metrics.series(of: family)
            return series.isEmpty ? nil : series.values.reduce(0, +)
        }

        /// Every field of the statistics line is in the file, every counter of
        /// the file on the line, and the file holds what the line said: a write
        /// after one SIGUSR1 and before the next lies between the two lines.
        @Test func everyStatisticsFieldIsAMetricAndBack() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4281 a\n")
            let path = harness.root + "/uproc.prom"
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--min-interval", "1", "--metrics-file", path, "--metrics-interval", "1", harness.out,
            ])
            let child = try harness.spawn(uid: 4281, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "a", is: [child])

            daemon.signal(SIGUSR1)
            let first = try #require(try await daemon.waitForLine { $0.hasSuffix("statistics") })
            let before = Daemon.metadata(first).compactMapValues { Double($0) }
            let families = before.keys.map { ($0, Self.familyOfField[$0] ?? "uproc_\($0)_total") }
            // CPU time and audits move without a write; events on the line include the subscription's acknowledgement.
            let rising = families.filter { !["processes", "cpu_ns", "audits", "events"].contains($0.0) }
            let metrics = try await Self.waitFor(path, "every counter at least what the first SIGUSR1 line said") { metrics in
                // (A missing family is reported below, by name.)
                rising.allSatisfy { field, family in Self.value(of: family, in: metrics).map { $0 >= before[field]! } ?? true }
            }
            daemon.signal(SIGUSR1)
            let second = try #require(try await daemon.waitForLine { $0.hasSuffix("statistics") && $0 != first })
            let after = Daemon.metadata(second).compactMapValues { Double($0) }

            for (field, family) in families {
                let value = try #require(Self.value(of: family, in: metrics), "\(field) is not exported as \(family)")
                #expect(metrics.types[family] == (family.hasSuffix("_total") ? "counter" : "gauge"), "\(family)")
                let limit = field == "cpu_ns" ? after[field]! / 1e9 : after[field]!
                if field != "processes" { #expect(value <= limit, "\(family) \(value) > \(field) \(limit)") }
            }
            let exported = Set(families.map(\.1))
            // Per-namespace accounting counters have labels no statistics field has.
            let unlisted = metrics.types.filter {
                $0.value == "counter" && !exported.contains($0.key) && !$0.key.hasPrefix("uproc_namespace_")
            }.keys.sorted()
            #expect(unlisted.isEmpty, "counters not on the statistics line: \(unlisted)")
            try await daemon.stop()
        }

        @Test(arguments: [
            ["--metrics-interval", "0"], ["--metrics-interval", "3601"], ["--metrics-namespaces", "-1"],
            ["--metrics-file", ""], ["--metrics-file", "/tmp/"],
        ])
        func badMetricsOptionsAreUsageErrors(_ option: [String]) async throws {
            let harness = try Harness(config: "uid 4277 a\n")
            let daemon = try harness.launchDaemon(arguments: option + ["-c", harness.config, harness.out])
            #expect(try await daemon.waitForExit() == 64, "\(daemon.log())")
            #expect(daemon.log().contains("--metrics-"), "\(daemon.log())")
            #expect(harness.outEntries() == nil)
        }

        @Test func aMetricsFileInAMissingDirectoryStopsTheStart() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4278 a\n")
            let missing = harness.root + "/no-such-directory/uproc.prom"
            let daemon = try harness.launchDaemon(arguments: ["-c", harness.config, "--metrics-file", missing, harness.out])
            #expect(try await daemon.waitForExit() == 1)
            #expect(daemon.log().hasPrefix("uprocd: error: cannot keep the metrics file: open \(harness.root)/no-such-directory: "),
                    "\(daemon.log())")
            #expect(harness.outEntries() == nil, "the directory uprocd created (and every file) must go")
        }

        @Test func aMetricsFileInTheNamespaceDirectoryIsRefused() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4279 a\n")
            let daemon = try harness.launchDaemon(arguments: ["-c", harness.config, "--metrics-file", harness.out + "/uproc.prom", harness.out])
            #expect(try await daemon.waitForExit() == 1)
            #expect(daemon.log() == "uprocd: error: cannot keep the metrics file: \(harness.out)/uproc.prom is in the namespace directory \(harness.out)\n")
            #expect(harness.outEntries() == nil)
        }

        /// Repaired as the namespace directory is: a directory deleted and
        /// made again gets the file again, without waiting for a change, and
        /// later changes are written there.
        @Test func aDeletedAndRecreatedDirectoryGetsTheFileAgain() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4282 a\n")
            let directory = harness.root + "/textfile"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            let path = directory + "/uproc.prom"
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--min-interval", "1", "--metrics-file", path, "--metrics-interval", "1", harness.out,
            ])
            _ = try await Self.waitFor(path, "the first write") { _ in true }
            _ = try await harness.run(["/bin/rm", "-rf", directory])
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            let again = try await Self.waitFor(path, "the file in the new directory") { _ in true }
            #expect(again["uproc_namespace_processes{namespace=\"a\"}"] == 0)
            let sleeper = try harness.spawn(uid: 4282, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "a", is: [sleeper])
            _ = try await Self.waitFor(path, "a=1") { $0["uproc_namespace_processes{namespace=\"a\"}"] == 1 }
            #expect(daemon.lines().filter { $0.contains(" error ") }.count <= 1, "\(harness.daemonLogTail())")
            try await daemon.stop()
            #expect(!FileManager.default.fileExists(atPath: path), "a clean stop leaves the metrics file")
        }

        /// In a directory another user (here nobody) may write, a symlink
        /// planted at the file's path, before the start or while the daemon
        /// runs, is replaced by the daemon's own file, never followed.
        @Test func aSymlinkPlantedAtTheMetricsPathIsReplacedNotFollowed() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4283 a\n")
            let directory = harness.root + "/textfile"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o755])
            #expect(chown(directory, 65534, 65534) == 0)
            let victim = harness.root + "/victim"
            try Harness.write("keep\n", to: victim)
            let path = directory + "/uproc.prom"
            func plant() async throws {
                let planted = try await harness.run(Harness.setpriv(uid: 65534) + ["/bin/ln", "-sfn", victim, path], stderr: true)
                #expect(planted.exit == .exited(0), "\(planted.output)")
            }
            func isTheDaemons() -> Bool {
                var status = stat()
                return lstat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG && status.st_uid == 0
                    && Self.read(path) != nil
            }
            try await plant()
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--metrics-file", path, "--metrics-interval", "1", harness.out,
            ])
            #expect(isTheDaemons(), "the planted symlink was not replaced at start")
            try await plant()
            try await harness.waitForKernel("the daemon's metrics file at \(path) again", isTheDaemons) { $0 }
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep\n")
            try await daemon.stop()
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep\n")
        }

        @Test func onlyTheLargestNamespacesGetASeries() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4274 small\nuid 4275 large\nuid 4276 empty\n")
            let path = harness.root + "/uproc.prom"
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--min-interval", "1", "--metrics-file", path,
                "--metrics-interval", "1", "--metrics-namespaces", "2", harness.out,
            ])
            try harness.spawn(uid: 4274, ["/bin/sleep", "30"])
            let large = try (0..<2).map { _ in try harness.spawn(uid: 4275, ["/bin/sleep", "30"]).pid }
            try await harness.waitUntil(namespace: "large", is: large)
            let metrics = try await Self.waitFor(path, "large=2, small=1") {
                $0["uproc_namespace_processes{namespace=\"large\"}"] == 2 && $0["uproc_namespace_processes{namespace=\"small\"}"] == 1
            }
            #expect(metrics.series(of: "uproc_namespace_processes").count == 2)
            #expect(metrics["uproc_namespaces"] == 3)
            try await daemon.stop()
        }
    }
}
