import Testing
import UprocTestSupport
import UprocBenchSupport
import UprocLinux

@Suite struct BenchSummaryTests {
    @Test(arguments: [
        ([UInt64](1...100), 50 as UInt64, 90 as UInt64, 99 as UInt64, 100 as UInt64),
        ([7], 7, 7, 7, 7),
        ([40, 10, 30, 20], 20, 40, 40, 40),
        ([UInt64](1...1000), 500, 900, 990, 1000),
    ])
    func nearestRankPercentiles(samples: [UInt64], p50: UInt64, p90: UInt64, p99: UInt64, maximum: UInt64) throws {
        let summary = try #require(BenchSummary(samples))
        #expect([summary.p50, summary.p90, summary.p99, summary.maximum] == [p50, p90, p99, maximum])
        #expect(summary.minimum == samples.min())
        #expect(summary.count == samples.count)
    }

    @Test func noSamplesNoSummary() {
        #expect(BenchSummary([]) == nil)
    }

    @Test(arguments: [(UInt64(12_345), "12.3"), (0, "0.0"), (950, "1.0"), (1_999_949, "1999.9")])
    func microseconds(nanoseconds: UInt64, text: String) {
        #expect(BenchFormat.microseconds(nanoseconds) == text)
    }
}

@Suite struct BenchFileTests {
    let directory = "/dev/shm/uproc-benchtests-\(MonotonicClock.nanoseconds())"

    @Test(arguments: [
        ("", Int32(5), false),
        ("5\n", 5, true),
        ("15\n", 5, false),
        ("1\n5\n9\n", 5, true),
        ("1\n50\n", 5, false),
        ("1\n2\n32768\n", 32768, true),
        ("7", 7, true),  // no final newline: still read as a PID
    ])
    func containsReadsWholeLines(content: String, pid: Int32, expected: Bool) throws {
        let path = directory + "-contains-\(pid)-\(content.utf8.count)"
        try BenchTextFile.write(content, to: path)
        defer { _ = try? BenchProcess.reap(try BenchProcess.spawn("/bin/rm", arguments: ["rm", "-f", path])) }
        #expect(try BenchPIDFile.contains(pid, in: path) == expected)
    }

    @Test func missingFileIsNil() throws {
        #expect(try BenchPIDFile.contains(1, in: directory + "-absent") == nil)
    }

    @Test func watchWakesOnRenameIntoDirectory() throws {
        let mkdir = try BenchProcess.spawn("/bin/mkdir", arguments: ["mkdir", "-p", directory])
        #expect(try BenchProcess.reap(mkdir) == 0)
        defer { _ = try? BenchProcess.reap(try BenchProcess.spawn("/bin/rm", arguments: ["rm", "-rf", directory])) }
        var watch = try BenchDirectoryWatch(directory: directory)
        #expect(try watch.wait(timeoutMilliseconds: 10) == false)
        try BenchTextFile.write("42\n", to: directory + "/.tmp")
        #expect(try watch.wait(timeoutMilliseconds: 1000) == true)  // IN_CLOSE_WRITE
        let move = try BenchProcess.spawn("/bin/mv", arguments: ["mv", directory + "/.tmp", directory + "/x"])
        #expect(try BenchProcess.reap(move) == 0)
        #expect(try watch.wait(timeoutMilliseconds: 1000) == true)  // IN_MOVED_TO
        #expect(try watch.wait(timeoutMilliseconds: 10) == false)
        #expect(try BenchPIDFile.contains(42, in: directory + "/x") == true)
    }

    @Test func watchOnMissingDirectoryNamesTheCall() {
        #expect(throws: BenchError(call: "inotify_add_watch \(directory)-absent", errno: 2)) {
            _ = try BenchDirectoryWatch(directory: directory + "-absent")
        }
    }
}

@Suite struct BenchProcessTests {
    @Test func spawnKillReap() throws {
        let pid = try BenchProcess.spawn("/bin/sleep", arguments: ["sleep", "3600"])
        try BenchProcess.killHard(pid)
        #expect(try BenchProcess.reap(pid) & 0x7f == 9)  // WTERMSIG == SIGKILL
    }

    @Test func spawnReportsExitStatus() throws {
        let pid = try BenchProcess.spawn("/bin/sh", arguments: ["sh", "-c", "exit 3"])
        #expect(try BenchProcess.reap(pid) == 3 << 8)
    }

    @Test func spawnOfMissingProgramFails() {
        #expect(throws: BenchError(call: "posix_spawn /nonexistent/uproc", errno: 2)) {
            _ = try BenchProcess.spawn("/nonexistent/uproc", arguments: ["uproc"])
        }
    }

    @Test func stormReapsEveryChild() throws {
        let nanoseconds = try BenchProcess.forkExitStorm(count: 20)
        // 20 fork+reap rounds take at least 20 forks' worth of time (> 1 µs each).
        #expect(nanoseconds > 20_000)
    }
}
