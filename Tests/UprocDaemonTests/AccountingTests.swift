import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Accounting with real processes: what `DIR/.accounting/NAME`, the
    /// metrics and `uproc-top` say members used, against what the kernel
    /// told their parent.
    @Suite struct Accounting {
        /// The `key value` lines of `out/.accounting/<name>`; nil when missing.
        static func figures(_ harness: Harness, _ name: String) -> [String: UInt64]? {
            guard let data = FileManager.default.contents(atPath: harness.out + "/.accounting/" + name) else { return nil }
            var result: [String: UInt64] = [:]
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let words = line.split(separator: " ")
                if words.count == 2, let value = UInt64(words[1]) { result[String(words[0])] = value }
            }
            return result
        }

        /// Polls the accounting file (15 s: it is rewritten every second)
        /// until `condition` holds; throws with what it held.
        @discardableResult
        static func waitFor(_ harness: Harness, _ name: String, _ what: String,
                            _ condition: ([String: UInt64]) -> Bool) async throws -> [String: UInt64] {
            let end = ContinuousClock.now + .seconds(15)
            while true {
                if let figures = figures(harness, name), condition(figures) { return figures }
                if ContinuousClock.now >= end { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw HarnessError("accounting of \(name): \(what) not reached within 15 s; it holds "
                + "\(figures(harness, name).map { "\($0.sorted { $0.key < $1.key })" } ?? "(no file)")\(harness.daemonLogTail())")
        }

        static func arguments(_ harness: Harness, _ extra: [String]) -> [String] {
            ["-c", harness.config, "--min-interval", "1", "--log-level", "debug", "--metrics-interval", "1"] + extra + [harness.out]
        }

        /// About 20 ms of CPU time in dash.
        static let loop = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"

        static func cpu(_ figures: [String: UInt64]) -> UInt64 {
            (figures["cpu_user_us"] ?? 0) + (figures["cpu_system_us"] ?? 0)
        }

        /// A member runs 200 children of about 20 ms CPU each, one at a
        /// time (most live between two samples): the namespace's CPU time agrees
        /// within 2 % with what the kernel told that parent, its own
        /// (RUSAGE_SELF) and its children's (RUSAGE_CHILDREN).
        @Test func shortLivedMembersSumToTheirParentsRusage() async throws {
            try Kernel.require()
            // By UID: the children are shells (a small process: its exit, after
            // the kernel's record, costs little).
            let harness = try Harness(config: "uid 4290 burn\n")
            let daemon = try await harness.startDaemon(arguments: Self.arguments(harness, ["--account", "burn"]))
            try await Self.waitFor(harness, "burn", "a first file") { _ in true }
            let count = 200
            // At the highest priority: the kernel's tick samples (what exit
            // records hold) favour a busy process over the short wake-ups of
            // others (10-18 % too much beside a fork storm), while
            // getrusage is exact. Run alone, they sum right.
            let run = try await harness.run(["/usr/bin/nice", "-n", "-20"] + Harness.setpriv(uid: 4290)
                + [Harness.buildDirectory + "/uproc-testproc", "run-children", "\(count)", "/bin/sh", "-c", Self.loop])
            #expect(run.exit == .exited(0))
            let words = run.output.split(whereSeparator: \.isWhitespace).compactMap { UInt64($0) }
            try #require(words.count == 2, "run-children printed \(run.output.debugDescription)")
            let (own, children) = (words[0], words[1])
            #expect(children >= UInt64(count) * 10_000)
            // The children and their parent.
            let figures = try await Self.waitFor(harness, "burn", "\(count + 1) exits") { $0["exits_success"] == UInt64(count + 1) }
            let counted = Self.cpu(figures)
            let truth = own + children
            let error = abs(Double(counted) - Double(truth)) / Double(truth)
            #expect(error < 0.02, "uproc counted \(counted) µs, getrusage said \(truth) µs (\(own) the parent's): \(error * 100) % apart")
            #expect(figures["starts"] == UInt64(count + 1) && figures["processes"] == 0 && figures["exact"] == 1)
            #expect(figures["exits_failure"] == 0 && figures["exits_signal"] == 0)
            try await daemon.stop()
            #expect(!FileManager.default.fileExists(atPath: harness.out + "/.accounting"), "a clean stop removes the files")
        }

        /// A member that changes its UID leaves with the CPU it used so far
        /// counted where it was, and counts in the namespace it joined from
        /// the change on.
        @Test func aMemberThatSetuidsAwayKeepsItsCPUWhereItWas() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 0 cmd acctsu before\nuid 4281 cmd acctsu after\n")
            let link = try harness.link("acctsu", to: Harness.buildDirectory + "/uproc-testproc")
            let daemon = try await harness.startDaemon(arguments: Self.arguments(harness, ["--account", "before", "--account", "after"]))
            let fixture = try harness.startSteered([link])
            try await harness.waitUntil(namespace: "before", is: [fixture.pid])
            try await fixture.run("burn 300")
            try await fixture.run("setuid 4281")
            try await harness.waitUntil(namespace: "after", is: [fixture.pid])
            try await fixture.run("burn 600")
            let after = try await Self.waitFor(harness, "after", "about 300 ms") { Self.cpu($0) >= 250_000 }
            let before = try #require(Self.figures(harness, "before"))
            // The 300 ms before the change, give or take the clock ticks of a sample (10 ms).
            #expect((280_000...380_000).contains(Self.cpu(before)), "before: \(Self.cpu(before)) µs")
            #expect((250_000...380_000).contains(Self.cpu(after)), "after: \(Self.cpu(after)) µs")
            #expect(before["processes"] == 0 && after["processes"] == 1)
            // It ends in `after`; `before` keeps what it had.
            fixture.closeInput()
            try await Self.waitFor(harness, "after", "one exit") { $0["exits_success"] == 1 }
            let final = try #require(Self.figures(harness, "before"))
            #expect(Self.cpu(final) == Self.cpu(before) && final["exits_success"] == 0)
            try await daemon.stop()
        }

        /// Exits by outcome (0, 1, SIGKILL) in the file, the metrics and
        /// `uproc-top --once`.
        @Test func exitOutcomesAndUprocTop() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd outc outcomes\ncmd quiet quiet\n")
            let link = try harness.link("outc", to: Harness.buildDirectory + "/uproc-testproc")
            let metricsPath = harness.root + "/uproc.prom"
            let daemon = try await harness.startDaemon(arguments: Self.arguments(harness, [
                "--account", "outcomes", "--account", "quiet", "--metrics-file", metricsPath,
            ]))
            try await Self.waitFor(harness, "outcomes", "a first file") { _ in true }
            #expect(try ReapedChild.run([link, "burn", "0", "0"]).waitStatus == 0)
            #expect(try ReapedChild.run([link, "burn", "0", "1"]).waitStatus == 1 << 8)
            let killed = try ReapedChild.run([link, "burn", "100000"]) { pid in
                // Killed once uprocd lists it (it joined at its exec: one
                // gone before uprocd read it after the exec was never seen a member).
                let end = ContinuousClock.now + .seconds(10)
                while harness.pids("outcomes")?.contains(pid) != true && ContinuousClock.now < end { usleep(1000) }
                kill(pid, SIGKILL)
            }
            #expect(killed.waitStatus == SIGKILL)
            let figures = try await Self.waitFor(harness, "outcomes", "exits 1/1/1") {
                $0["exits_success"] == 1 && $0["exits_failure"] == 1 && $0["exits_signal"] == 1
            }
            #expect(figures["starts"] == 3 && figures["processes"] == 0)

            let metrics = try await MetricsFile.waitFor(metricsPath, "the exits") {
                $0["uproc_namespace_exits_total{namespace=\"outcomes\",outcome=\"signal\"}"] == 1
            }
            #expect(metrics["uproc_namespace_exits_total{namespace=\"outcomes\",outcome=\"success\"}"] == 1)
            #expect(metrics["uproc_namespace_exits_total{namespace=\"outcomes\",outcome=\"failure\"}"] == 1)
            #expect(metrics["uproc_namespace_starts_total{namespace=\"outcomes\"}"] == 3)
            #expect(metrics["uproc_accounting_exact"] == 1)
            #expect(metrics["uproc_namespace_cpu_seconds_total{mode=\"user\",namespace=\"outcomes\"}"] != nil)

            let top = try await harness.run([Harness.buildDirectory + "/uproc-top", "--once", harness.out])
            #expect(top.exit == .exited(0))
            let lines = top.output.split(separator: "\n")
            #expect(lines.first?.hasPrefix("2 namespaces, 0 processes, CPU ") == true, "\(top.output)")
            #expect(lines.first?.hasSuffix(", exits 3 (2 failed)") == true, "\(top.output)")
            #expect(lines.count == 4 && lines[1].split(separator: " ") == ["NAMESPACE", "PROCS", "CPU%", "MEM", "READ/s", "WRITE/s", "EXITS", "FAILED"],
                    "\(top.output)")
            let row = try #require(lines.first { $0.hasPrefix("outcomes ") }, "\(top.output)").split(separator: " ")
            #expect(row.first == "outcomes" && row[1] == "0" && row.suffix(2) == ["3", "2"], "\(row)")
            let byName = try await harness.run([Harness.buildDirectory + "/uproc-top", "--once", "--sort", "name", "-n", "1", harness.out])
            #expect(byName.output.split(separator: "\n").count == 3 && byName.output.contains("\noutcomes "), "\(byName.output)")
            try await daemon.stop()
            let gone = try await harness.run([Harness.buildDirectory + "/uproc-top", "--once", harness.out], stderr: true)
            #expect(gone.exit == .exited(1) && gone.output.contains(".accounting"), "\(gone.output)")
        }

        /// A member that touches 64 MiB: the namespace's memory is its
        /// resident set.
        @Test func memoryOfAProcessThatTouches64MiB() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd memt memt\n")
            let link = try harness.link("memt", to: Harness.buildDirectory + "/uproc-testproc")
            let daemon = try await harness.startDaemon(arguments: Self.arguments(harness, ["--account", "memt"]))
            let fixture = try harness.startSteered([link])
            try await harness.waitUntil(namespace: "memt", is: [fixture.pid])
            let base = try await Self.waitFor(harness, "memt", "one process sampled") {
                $0["processes"] == 1 && ($0["memory_bytes"] ?? 0) > 0
            }
            try await fixture.run("touch 64")
            let mebibyte: UInt64 = 1 << 20
            let figures = try await Self.waitFor(harness, "memt", "64 MiB more") {
                ($0["memory_bytes"] ?? 0) >= 64 * mebibyte
            }
            let memory = figures["memory_bytes"] ?? 0
            #expect(memory <= (base["memory_bytes"] ?? 0) + 66 * mebibyte, "\(memory) bytes")
            try await daemon.stop()
        }

        /// Storage writes count where the file system accounts them: 4 MiB
        /// written and fsynced to /var/tmp (a disk here) count, the same to
        /// /dev/shm (tmpfs) count 0.
        @Test func writesThatReachTheDiskCount() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd iodisk iodisk\ncmd iotmpfs iotmpfs\n")
            let disk = try harness.link("iodisk", to: Harness.buildDirectory + "/uproc-testproc")
            let tmpfs = try harness.link("iotmpfs", to: Harness.buildDirectory + "/uproc-testproc")
            let daemon = try await harness.startDaemon(arguments: Self.arguments(harness, ["--account", "iodisk", "--account", "iotmpfs"]))
            let diskFile = "/var/tmp/uproc-accounting-\(UInt32.random(in: 0...UInt32.max))"
            defer { unlink(diskFile) }
            let writers = [try harness.startSteered([disk]), try harness.startSteered([tmpfs])]
            try await harness.waitUntil(namespace: "iodisk", is: [writers[0].pid])
            try await harness.waitUntil(namespace: "iotmpfs", is: [writers[1].pid])
            try await writers[0].run("write-fsync \(diskFile) 4194304")
            try await writers[1].run("write-fsync \(harness.root)/written 4194304")
            for writer in writers { writer.closeInput() }
            let written = try await Self.waitFor(harness, "iodisk", "4 MiB written, the writer gone") {
                ($0["write_bytes"] ?? 0) >= 4 << 20 && $0["exits_success"] == 1
            }
            #expect(written["write_bytes"]! < 5 << 20)
            let none = try await Self.waitFor(harness, "iotmpfs", "the writer gone") { $0["exits_success"] == 1 }
            #expect(none["write_bytes"] == 0)
            try await daemon.stop()
        }

        /// After a crash the next start takes `.accounting` over (its own
        /// files only: a stranger's file there refuses the start); a start
        /// that accounts nothing removes it.
        @Test func aCrashsAccountingDirectoryIsTakenOver() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4283 a\nuid 4284 b\n")
            let crashed = try await harness.startDaemon(arguments: Self.arguments(harness, ["--account", "a"]))
            try await Self.waitFor(harness, "a", "a first file") { _ in true }
            crashed.signal(SIGKILL)
            _ = try await crashed.waitForExit()
            let again = try await harness.startDaemon(arguments: Self.arguments(harness, ["--account", "b"]))
            try await Self.waitFor(harness, "b", "a first file") { _ in true }
            #expect(Self.figures(harness, "a") == nil, "a is no longer accounted: its file went")
            again.signal(SIGKILL)
            _ = try await again.waitForExit()
            // A file someone else put there: never deleted, so the start is refused.
            let planted = harness.out + "/.accounting/planted"
            #expect(FileManager.default.createFile(atPath: planted, contents: Data()))
            #expect(chown(planted, 4283, 4283) == 0)
            let refused = try harness.launchDaemon(arguments: Self.arguments(harness, ["--account", "b"]))
            #expect(try await refused.waitForExit() == 1)
            #expect(refused.log().contains("planted"), "\(refused.log())")
            unlink(planted)
            let plain = try await harness.startDaemon(arguments: Self.arguments(harness, []))
            #expect(!FileManager.default.fileExists(atPath: harness.out + "/.accounting"), "\(harness.outEntries() ?? [])")
            try await plain.stop()
        }

        /// Under hidepid an accounting file is readable by exactly whoever
        /// may read its namespace's file; uproc-top shows a user theirs and
        /// counts the others.
        @Test func underHidepidAccountingIsReadAsTheNamespaceFile() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 0 uid.0\nuid 4251 uid.4251\ncmd sleep cmd.sleep\n")
            let hidden = try harness.daemonUnderHidepid(
                arguments: Self.arguments(harness, ["--account", "uid.0", "--account", "uid.4251", "--account", "cmd.sleep"]))
            defer {
                hidden.signal(SIGKILL)
                _ = hidden.child.reap(within: .seconds(5))
            }
            try await hidden.waitForStarted()
            let mine = try harness.spawn(uid: 4251, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "uid.4251", is: [mine.pid])
            try await Self.waitFor(harness, "uid.4251", "its sleep") { $0["processes"] == 1 }

            func canRead(_ name: String, uid: UInt32, gid: UInt32) async throws -> Bool {
                let result = try await harness.run(Harness.setpriv(uid: uid, gid: gid) + ["/bin/cat", harness.out + "/.accounting/" + name])
                return result.exit == .exited(0)
            }
            #expect(try await canRead("uid.4251", uid: 4251, gid: 4251), "a user reads the accounting of their own processes")
            #expect(try await !canRead("uid.0", uid: 4251, gid: 4251), "not another user's")
            #expect(try await !canRead("cmd.sleep", uid: 4251, gid: 4251), "nor who runs what")
            #expect(try await canRead("uid.0", uid: 4255, gid: 4254), "the gid= group reads everything, as in /proc")
            #expect(try await canRead("cmd.sleep", uid: 4255, gid: 4254))
            let top = try await harness.run(Harness.setpriv(uid: 4251) + [Harness.buildDirectory + "/uproc-top", "--once", harness.out])
            #expect(top.exit == .exited(0))
            #expect(top.output.hasPrefix("1 namespace, 1 process, "), "\(top.output)")
            #expect(top.output.contains("\nuid.4251 ") && top.output.contains("2 accounting files not shown"), "\(top.output)")
            hidden.signal(SIGTERM)
            #expect(try await hidden.waitForExit() == 0)
        }

        /// Without exit records (`--no-exit-records`, as without
        /// CAP_NET_ADMIN): said once at start, `exact 0` in the file and the
        /// metrics, `uproc-top` says so; live members still count.
        @Test func withoutExitRecordsSamplesLiveMembersAndSaysSo() async throws {
            try Kernel.require()
            let harness = try Harness(config: "cmd sampled sampled\n")
            let link = try harness.link("sampled", to: Harness.buildDirectory + "/uproc-testproc")
            let metricsPath = harness.root + "/uproc.prom"
            let daemon = try await harness.startDaemon(arguments: Self.arguments(harness, [
                "--account", "sampled", "--no-exit-records", "--metrics-file", metricsPath,
            ]))
            let said = daemon.lines().filter { $0.contains("processes shorter than the metrics interval are not counted") }
            #expect(said.count == 1, "\(daemon.log())")
            let fixture = try harness.startSteered([link])
            try await harness.waitUntil(namespace: "sampled", is: [fixture.pid])
            try await fixture.run("burn 200")
            let figures = try await Self.waitFor(harness, "sampled", "about 200 ms") { Self.cpu($0) >= 150_000 }
            #expect(figures["exact"] == 0)
            let metrics = try await MetricsFile.waitFor(metricsPath, "exact 0, its CPU") {
                $0["uproc_accounting_exact"] == 0 && ($0["uproc_namespace_cpu_seconds_total{mode=\"user\",namespace=\"sampled\"}"] ?? 0)
                    + ($0["uproc_namespace_cpu_seconds_total{mode=\"system\",namespace=\"sampled\"}"] ?? 0) >= 0.15
            }
            #expect(metrics["uproc_namespace_processes{namespace=\"sampled\"}"] == 1)
            let top = try await harness.run([Harness.buildDirectory + "/uproc-top", "--once", harness.out])
            #expect(top.output.contains("without exit records: processes shorter than an interval are not counted"), "\(top.output)")
            fixture.closeInput()
            try await Self.waitFor(harness, "sampled", "one exit") { $0["exits_success"] == 1 }
            #expect(daemon.lines().filter { $0.contains("not counted") }.count == 1)
            try await daemon.stop()
        }
    }
}
