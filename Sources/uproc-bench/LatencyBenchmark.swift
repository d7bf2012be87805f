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
            file after each event naming it) until its PID is listed, then SIGKILL and reap it and wait until \
            it is gone again. Prints percentiles in microseconds: spawn → listed (the figure), \
            spawn → exec'd (posix_spawn's return: the exec floor), their difference, kill → unlisted. \
            With several namespaces (--namespace repeated, --random-prefix) each round waits until \
            the PID is in all of them, then until it is gone from all; the first (or the random one) \
            is the figure, the others get a `spawn → listed NAME` row each.
            """
    )

    @Option(name: .customLong("directory"), help: "uprocd's output directory.")
    var directory: String

    @Option(help: ArgumentHelp(
        "A namespace the spawned process lands in (repeatable).",
        discussion: "The first is the figure (spawn → listed) unless --random-prefix is given; each other one gets a row of its own. Default: x."))
    var namespace: [String] = []

    @Option(help: "Also wait, each round, for the namespace PREFIX<k>, k picked at random in 1...--random-count; it becomes the figure.")
    var randomPrefix: String?

    @Option(help: "How many namespaces --random-prefix picks from.")
    var randomCount: Int?

    @Option(help: "The program to spawn (its file name becomes its comm); it gets the argument 3600.")
    var program: String

    @Option(help: "How many rounds.")
    var rounds = 1000

    @Option(help: "Pause between rounds, milliseconds (longer than uprocd's --min-interval keeps its rate limit out of the figures).")
    var gapMs = 20

    @Option(help: "Give up on a round after this many milliseconds.")
    var timeoutMs = 5000

    @Option(help: ArgumentHelp(
        "Stop after this many rounds timed out (0: the first timeout fails the run).",
        discussion: "A timed-out round counts at --timeout-ms: a lower bound."))
    var maxTimeouts = 0

    @Option(help: "Write each round's spawn, add and remove latency (ns) to this file as CSV.")
    var raw: String?

    func validate() throws {
        guard rounds > 0 else { throw ValidationError("--rounds must be positive") }
        guard gapMs >= 0, timeoutMs > 0, maxTimeouts >= 0 else {
            throw ValidationError("--gap-ms and --max-timeouts must be ≥ 0 and --timeout-ms > 0")
        }
        guard (randomPrefix == nil) == (randomCount == nil) else {
            throw ValidationError("--random-prefix and --random-count go together")
        }
        if let randomCount, randomCount < 1 { throw ValidationError("--random-count must be positive") }
    }

    /// The namespaces waited for every round besides the random one.
    private var fixed: [String] { namespace.isEmpty && randomPrefix == nil ? ["x"] : namespace }

    func run() throws {
        let argv0 = String(program.split(separator: "/").last ?? Substring(program))
        var watch = try BenchDirectoryWatch(directory: directory)
        var known = fixed
        if let randomPrefix, let randomCount { known += [randomPrefix + "1", randomPrefix + "\(randomCount)"] }
        for name in known where try BenchPIDFile.contains(0, in: directory + "/" + name) == nil {
            throw LatencyFailure("\(directory)/\(name) does not exist: is uprocd running on \(directory) with a rule for namespace \(name)?")
        }
        var samples = LatencySamples(rounds: rounds, others: randomPrefix == nil ? fixed.count - 1 : fixed.count)
        for round in 1...rounds {
            var names = fixed
            if let randomPrefix, let randomCount {
                let picked = randomPrefix + "\(Int.random(in: 1...randomCount))"
                names.insert(picked, at: 0)
                samples.picked.append(picked)
            }
            let files = names.map { directory + "/" + $0 }
            try watch.drain()
            let start = MonotonicClock.nanoseconds()
            let pid = try BenchProcess.spawn(program, arguments: [argv0, "3600"])
            // glibc's posix_spawn returns once the child's exec has replaced
            // its memory: the floor any watcher of exec events stands on.
            let execed = MonotonicClock.nanoseconds()
            let listed: [UInt64?]
            do {
                listed = try BenchListing.wait(for: pid, listed: true, in: files, watch: &watch, deadline: deadline(start))
            } catch {
                try? BenchProcess.killHard(pid)
                _ = try? BenchProcess.reap(pid)
                throw error
            }
            let killed = MonotonicClock.nanoseconds()
            try BenchProcess.killHard(pid)
            _ = try BenchProcess.reap(pid)
            var late = false
            if let missing = listed.firstIndex(where: { $0 == nil }) {
                let failure = LatencyFailure("round \(round): PID \(pid) not in \(files[missing]) after \(timeoutMs) ms")
                guard samples.timeouts < maxTimeouts else { throw failure }
                BenchTextFile.printError("\(failure)")
                late = true
            }
            // Gone from every file before the next round; the figure is the first file's.
            let unlisted = try BenchListing.wait(for: pid, listed: false, in: files, watch: &watch, deadline: deadline(killed))
            if let stuck = unlisted.firstIndex(where: { $0 == nil }) {
                let failure = LatencyFailure("round \(round): PID \(pid) still in \(files[stuck]) \(timeoutMs) ms after it was killed")
                guard samples.timeouts < maxTimeouts else { throw failure }
                BenchTextFile.printError("\(failure)")
                late = true
            }
            // A file that never got there counts at the deadline: a lower bound.
            let timeout = UInt64(timeoutMs) * 1_000_000
            samples.spawned.append(execed - start)
            samples.added.append(listed[0].map { $0 - start } ?? timeout)
            samples.removed.append(unlisted[0].map { $0 - killed } ?? timeout)
            for index in samples.othersAdded.indices {
                samples.othersAdded[index].append(listed[index + 1].map { $0 - start } ?? timeout)
            }
            samples.timedOut.append(late)
            if late {
                samples.timeouts += 1
                if samples.timeouts == maxTimeouts {
                    BenchTextFile.printError("stopping after \(maxTimeouts) timed-out rounds (--max-timeouts)")
                    break
                }
            }
            if gapMs > 0 { MonotonicClock.sleep(nanoseconds: UInt64(gapMs) * 1_000_000) }
        }
        let otherNames = randomPrefix == nil ? Array(fixed.dropFirst()) : fixed
        if let raw { try writeRaw(raw, samples, otherNames: otherNames) }
        printSummary(samples, otherNames: otherNames)
    }

    private func deadline(_ start: UInt64) -> UInt64 { start + UInt64(timeoutMs) * 1_000_000 }

    private func writeRaw(_ path: String, _ samples: LatencySamples, otherNames: [String]) throws {
        var text = "round,spawn_ns,add_ns,remove_ns,timed_out"
        if !samples.picked.isEmpty { text += ",namespace" }
        for name in otherNames { text += ",add_ns_\(name)" }
        text += "\n"
        for index in samples.added.indices {
            text += "\(index + 1),\(samples.spawned[index]),\(samples.added[index]),\(samples.removed[index]),\(samples.timedOut[index] ? 1 : 0)"
            if !samples.picked.isEmpty { text += "," + samples.picked[index] }
            for other in samples.othersAdded { text += ",\(other[index])" }
            text += "\n"
        }
        try BenchTextFile.write(text, to: path)
    }

    private func printSummary(_ samples: LatencySamples, otherNames: [String]) {
        if let randomPrefix, let randomCount {
            print("spawn → listed: in \(randomPrefix)<k>, k random in 1...\(randomCount) each round")
        }
        let afterExec = zip(samples.added, samples.spawned).map { $0 - $1 }
        var rows = [
            ("spawn → listed", samples.added), ("spawn → exec'd", samples.spawned), ("exec'd → listed", afterExec),
            ("kill → unlisted", samples.removed),
        ]
        for (name, other) in zip(otherNames, samples.othersAdded) { rows.append(("spawn → listed \(name)", other)) }
        let width = max(16, rows.map { $0.0.count + 1 }.max() ?? 0)
        print(pad("latency (µs)", -width) + "  rounds" + ["min", "p50", "p90", "p99", "max", "mean"].map { pad($0, 11) }.joined())
        for (label, values) in rows {
            guard let summary = BenchSummary(values) else { continue }
            let cells = [summary.minimum, summary.p50, summary.p90, summary.p99, summary.maximum, summary.mean]
                .map { pad(BenchFormat.microseconds($0), 11) }
            print(pad(label, -width) + pad("\(summary.count)", 8) + cells.joined())
        }
        if maxTimeouts > 0 {
            print("rounds=\(samples.added.count) of=\(rounds) timeouts=\(samples.timeouts) (a timed-out round counts at \(timeoutMs) ms: a lower bound)")
        }
    }

    /// Pads to `width` columns: right-aligned when positive, left when negative.
    private func pad(_ text: String, _ width: Int) -> String {
        let fill = String(repeating: " ", count: max(0, abs(width) - text.count))
        return width < 0 ? text + fill : fill + text
    }
}

/// Per-round durations (ns) of a latency run; `othersAdded` has a list per
/// namespace beyond the figure's, `picked` the random namespace of each round.
struct LatencySamples {
    var spawned: [UInt64] = []
    var added: [UInt64] = []
    var removed: [UInt64] = []
    var othersAdded: [[UInt64]]
    var picked: [String] = []
    var timedOut: [Bool] = []
    var timeouts = 0

    init(rounds: Int, others: Int) {
        othersAdded = Array(repeating: [], count: others)
        spawned.reserveCapacity(rounds)
        added.reserveCapacity(rounds)
        removed.reserveCapacity(rounds)
    }
}

/// A benchmark that could not complete (exit status 1, no usage text).
struct LatencyFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}
