import Testing
import UprocBenchSupport
import UprocLinux

/// `BenchListing.wait` on real files in /dev/shm, changed by a real child
/// process the way uprocd changes them (write a temporary file, rename it).
@Suite struct BenchListingTests {
    let directory = "/dev/shm/uproc-benchlisting-\(MonotonicClock.nanoseconds())"

    private func shell(_ script: String) throws -> Int32 {
        try BenchProcess.spawn("/bin/sh", arguments: ["sh", "-c", script])
    }

    private func make(_ files: [String: String]) throws {
        #expect(try BenchProcess.reap(shell("mkdir -p '\(directory)'")) == 0)
        for (name, content) in files { try BenchTextFile.write(content, to: directory + "/" + name) }
    }

    private func removeDirectory() { _ = try? BenchProcess.reap(shell("rm -rf '\(directory)'")) }

    @Test func eachFileGetsItsOwnTimeAndLateOnesWait() throws {
        try make(["a": "1\n42\n", "b": "1\n"])
        defer { removeDirectory() }
        var watch = try BenchDirectoryWatch(directory: directory)
        let start = MonotonicClock.nanoseconds()
        // b lists 42 only 200 ms later, by rename, as uprocd publishes.
        let writer = try shell("sleep 0.2; printf '1\\n42\\n' > '\(directory)/.b'; mv '\(directory)/.b' '\(directory)/b'")
        defer { _ = try? BenchProcess.reap(writer) }
        let seen = try BenchListing.wait(
            for: 42, listed: true, in: [directory + "/a", directory + "/b"], watch: &watch,
            deadline: start + 5_000_000_000)
        let a = try #require(seen[0])
        let b = try #require(seen[1])
        #expect(a - start < 150_000_000)
        #expect(b - start >= 200_000_000)
        #expect(b - start < 4_000_000_000)  // woken by the rename, long before the deadline
    }

    @Test func changesAreToldPerName() throws {
        try make([:])
        defer { removeDirectory() }
        var watch = try BenchDirectoryWatch(directory: directory)
        #expect(try watch.waitForChanges(among: ["a", "b"], timeoutMilliseconds: 10) == nil)
        try BenchTextFile.write("1\n", to: directory + "/.b")  // IN_CLOSE_WRITE .b: neither name
        let move = try shell("mv '\(directory)/.b' '\(directory)/b'")  // IN_MOVED_TO b
        #expect(try BenchProcess.reap(move) == 0)
        #expect(try watch.waitForChanges(among: ["a", "b", "bb", ""], timeoutMilliseconds: 1000) == [false, true, false, false])
        try BenchTextFile.write("1\n", to: directory + "/a")
        #expect(try watch.waitForChanges(among: ["a", "b"], timeoutMilliseconds: 1000) == [true, false])
    }

    @Test func aFileNeverThereIsNilAtTheDeadline() throws {
        try make(["a": "42\n", "c": "7\n"])
        defer { removeDirectory() }
        var watch = try BenchDirectoryWatch(directory: directory)
        let start = MonotonicClock.nanoseconds()
        let seen = try BenchListing.wait(
            for: 42, listed: true, in: [directory + "/a", directory + "/absent", directory + "/c"], watch: &watch,
            deadline: start + 100_000_000)
        #expect(seen[0] != nil)
        #expect(seen[1] == nil)
        #expect(seen[2] == nil)
        #expect(MonotonicClock.nanoseconds() - start >= 100_000_000)
    }

    @Test func goneFromEveryFileIncludingMissingOnes() throws {
        try make(["a": "42\n", "c": "7\n"])
        defer { removeDirectory() }
        var watch = try BenchDirectoryWatch(directory: directory)
        let start = MonotonicClock.nanoseconds()
        let writer = try shell("sleep 0.1; printf '7\\n' > '\(directory)/.a'; mv '\(directory)/.a' '\(directory)/a'")
        defer { _ = try? BenchProcess.reap(writer) }
        let seen = try BenchListing.wait(
            for: 42, listed: false, in: [directory + "/a", directory + "/absent", directory + "/c"], watch: &watch,
            deadline: start + 5_000_000_000)
        #expect(try #require(seen[0]) - start >= 100_000_000)
        #expect(try #require(seen[1]) - start < 100_000_000)
        #expect(try #require(seen[2]) - start < 100_000_000)
    }
}
