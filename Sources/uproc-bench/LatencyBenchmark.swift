import ArgumentParser
import UprocLinux
import UprocBenchSupport

/// Exec-to-file latency: how long after a matching process starts its PID
/// appears in the namespace file, and how long after it dies it leaves.
struct LatencyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Time from spawning a matching process until its PID is in a namespace file.",
        discussion: """
            Needs a running uprocd whose rules put PROGRAM's process name in NAMESPACE (e.g. \
            `cmd uproclat x` with PROGRAM a symlink named uproclat to /bin/sleep). Each round: \
            spawn PROGRAM, wait (inotify on DIRECTORY, IN_MOVED_TO|IN_CLOSE_WRITE, re-reading the \
            file on every event) until its PID is listed, then SIGKILL and reap it and wait until \
            it is gone again. Prints percentiles in microseconds: spawn → listed (the figure), \
            spawn → exec'd (posix_spawn's return: the exec floor), their difference, kill → unlisted.
            """
    )

    @Option(name: .customLong("directory"), help: "uprocd's output directory.")
    var directory: String

    @Option(help: "The namespace the spawned process lands in.")
    var namespace = "x"

    @Option(help: "The program to spawn (its file name becomes its comm); it gets the argument 3600.")
    var program: String

    @Option(help: "How many rounds.")
    var rounds = 1000

    @Option(help: "Pause between rounds, milliseconds (longer than uprocd's --min-interval keeps its rate limit out of the figures).")
    var gapMs = 20

    @Option(help: "Give up on a round after this many milliseconds.")
    var timeoutMs = 5000

    @Option(help: "Write each round's spawn, add and remove latency (ns) to this file as CSV.")
    var raw: String?

    func validate() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
        guard gapMs >= 0, timeoutMs > 0 else { throw ValidationError("--gap-ms must be ≥ 0 and --timeout-ms > 0") }
    }

    func run() throws {
        let file = directory + "/" + namespace
        let argv0 = String(program.split(separator: "/").last ?? Substring(program))
        var watch = try BenchDirectoryWatch(directory: directory)
        guard try BenchPIDFile.contains(0, in: file) != nil else {
            throw LatencyFailure("\(file) does not exist: is uprocd running on \(directory) with a rule for namespace \(namespace)?")
        }
        var spawned: [UInt64] = []
        var added: [UInt64] = []
        var removed: [UInt64] = []
        spawned.reserveCapacity(rounds)
        added.reserveCapacity(rounds)
        removed.reserveCapacity(rounds)
        for round in 1...rounds {
            try watch.drain()
            let start = MonotonicClock.nanoseconds()
            let pid = try BenchProcess.spawn(program, arguments: [argv0, "3600"])
            // glibc's posix_spawn returns once the child's exec has replaced
            // its memory: the floor any watcher of exec events stands on.
            let execed = MonotonicClock.nanoseconds()
            let listed: Bool
            do {
                listed = try wait(for: pid, listed: true, in: file, watch: &watch, since: start)
            } catch {
                try? BenchProcess.killHard(pid)
                _ = try? BenchProcess.reap(pid)
                throw error
            }
            let appeared = MonotonicClock.nanoseconds()
            let killed = MonotonicClock.nanoseconds()
            try BenchProcess.killHard(pid)
            _ = try BenchProcess.reap(pid)
            guard listed else {
                throw LatencyFailure("round \(round): PID \(pid) not in \(file) after \(timeoutMs) ms")
            }
            guard try wait(for: pid, listed: false, in: file, watch: &watch, since: killed) else {
                throw LatencyFailure("round \(round): PID \(pid) still in \(file) \(timeoutMs) ms after it was killed")
            }
            spawned.append(execed - start)
            added.append(appeared - start)
            removed.append(MonotonicClock.nanoseconds() - killed)
            if gapMs > 0 { MonotonicClock.sleep(nanoseconds: UInt64(gapMs) * 1_000_000) }
        }
        if let raw { try writeRaw(raw, spawned: spawned, added: added, removed: removed) }
        printSummary(spawned: spawned, added: added, removed: removed)
    }

    /// Re-reads `file` after each directory event until `pid`'s presence is
    /// `listed`; `false` on timeout. The watch exists before the spawn, so a
    /// rename between a read and the wait still wakes the wait.
    private func wait(
        for pid: Int32, listed: Bool, in file: String, watch: inout BenchDirectoryWatch, since start: UInt64
    ) throws -> Bool {
        let deadline = start + UInt64(timeoutMs) * 1_000_000
        while true {
            if try BenchPIDFile.contains(pid, in: file) == listed { return true }
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else { return false }
            let remaining = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            _ = try watch.wait(timeoutMilliseconds: remaining)
        }
    }

    private func writeRaw(_ path: String, spawned: [UInt64], added: [UInt64], removed: [UInt64]) throws {
        var text = "round,spawn_ns,add_ns,remove_ns\n"
        for index in added.indices {
            text += "\(index + 1),\(spawned[index]),\(added[index]),\(removed[index])\n"
        }
        try BenchTextFile.write(text, to: path)
    }

    private func printSummary(spawned: [UInt64], added: [UInt64], removed: [UInt64]) {
        let afterExec = zip(added, spawned).map { $0 - $1 }
        print("latency (µs)      rounds      min      p50      p90      p99      max     mean")
        let rows = [
            ("spawn → listed", added), ("spawn → exec'd", spawned), ("exec'd → listed", afterExec),
            ("kill → unlisted", removed),
        ]
        for (label, samples) in rows {
            guard let summary = BenchSummary(samples) else { continue }
            let cells = [summary.minimum, summary.p50, summary.p90, summary.p99, summary.maximum, summary.mean]
                .map { pad(BenchFormat.microseconds($0), 9) }
            print(pad(label, -16) + pad("\(summary.count)", 8) + cells.joined())
        }
    }

    /// Pads to `width` columns: right-aligned when positive, left when negative.
    private func pad(_ text: String, _ width: Int) -> String {
        let fill = String(repeating: " ", count: max(0, abs(width) - text.count))
        return width < 0 ? text + fill : fill + text
    }
}

/// A benchmark that could not complete (exit status 1, no usage text).
struct LatencyFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
