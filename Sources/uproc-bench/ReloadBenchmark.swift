import ArgumentParser
import UprocBenchSupport
import UprocLinux

/// Reload latency: from the rename of a new config over the old one until
/// the daemon has written the last namespace file that changed.
struct ReloadBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Time from renaming a new config into place until the last changed namespace file is written.",
        discussion: """
            Needs a running uprocd on CONFIG and DIRECTORY, started on the first of VERSIONS. Each \
            round copies the next version (two alternate; with three or more, the first is only the \
            start and the others alternate) next to CONFIG, renames \
            it over CONFIG and waits (inotify on DIRECTORY: moved in, written, created, deleted) \
            until the version's marker file exists (each version must define a namespace \
            marker.NAME, NAME its file name without .conf) and then no file changed for \
            --quiet-ms; the figure is the last change's time minus the rename's (uprocd's \
            debounce included). Unchanged rounds rename a copy of the live \
            version: no file may change. Daemon CPU per round is read from /proc/PID/schedstat.
            """
    )

    @Option(help: "The config uprocd runs on (-c).")
    var config: String

    @Option(parsing: .upToNextOption, help: "Config versions to rename over CONFIG in turn; the first is the live one.")
    var versions: [String]

    @Option(name: .customLong("directory"), help: "uprocd's output directory.")
    var directory: String

    @Option(help: "uprocd's PID, for its CPU time.")
    var pid: Int32

    @Option(help: "Reloads that change the rules.")
    var rounds = 5

    @Option(help: "Renames of unchanged content afterwards.")
    var unchangedRounds = 3

    @Option(help: "No change for this long ends a round, milliseconds.")
    var quietMs: Int32 = 400

    func validate() throws {
        guard versions.count >= 2 else { throw ValidationError("--versions needs two configs at least") }
        guard rounds > 0, unchangedRounds >= 0, quietMs > 0 else { throw ValidationError("counts must be positive") }
    }

    func run() throws {
        var watch = try BenchDirectoryWatch(directory: directory, includingRemovals: true)
        let next = config + ".next"
        var live = 0
        print("round   kind        rename -> last file (ms)   daemon CPU (ms)")
        for round in 1...rounds {
            // Two versions alternate; with more, the first is only the
            // start: b, c, b, c… (so only the first reload can bring a new key).
            live = versions.count == 2 ? round % 2 : 1 + (round - 1) % (versions.count - 1)
            let (latency, cpu) = try measure(versions[live], via: next, watch: &watch)
            guard let latency else { throw ReloadFailure("round \(round): no namespace file changed within \(quietMs) ms") }
            print(row(round, round == 1 ? "first" : "later", latency, cpu))
        }
        for round in 0..<unchangedRounds {
            let (latency, cpu) = try measure(versions[live], via: next, watch: &watch)
            guard latency == nil else { throw ReloadFailure("unchanged round \(round + 1): a namespace file changed") }
            print(row(rounds + round + 1, "unchanged", nil, cpu))
        }
    }

    /// Renames a copy of `version` over the config; the time to the last
    /// file change (nil: none within --quiet-ms) and the daemon's CPU.
    private func measure(_ version: String, via next: String, watch: inout BenchDirectoryWatch) throws -> (UInt64?, UInt64) {
        let bytes = try FileReading.read(version, limit: 1 << 30)
        try BenchTextFile.write(String(decoding: bytes, as: UTF8.self), to: next)
        try watch.drain()
        let cpuBefore = BenchFiles.cpuNanoseconds(of: pid) ?? 0
        let start = MonotonicClock.nanoseconds()
        try BenchFiles.rename(next, to: config)
        var last: UInt64?
        // A reload that rescans /proc writes nothing for a while: the
        // marker says it is done; then the last writes settle.
        let marker = directory + "/" + Self.marker(of: version)
        let changes = !FileStatus.exists(marker)
        while changes && !FileStatus.exists(marker) {
            guard try watch.wait(timeoutMilliseconds: 10_000) else {
                throw ReloadFailure("\(marker) did not appear within 10 s of the rename")
            }
            last = MonotonicClock.nanoseconds()
        }
        while try watch.wait(timeoutMilliseconds: quietMs) { last = MonotonicClock.nanoseconds() }
        let cpu = (BenchFiles.cpuNanoseconds(of: pid) ?? 0) &- cpuBefore
        return (last.map { $0 - start }, cpu)
    }

    /// `marker.b` for `…/b.conf`.
    static func marker(of version: String) -> String {
        var name = String(version.split(separator: "/").last ?? "")
        if name.hasSuffix(".conf") { name.removeLast(5) }
        return "marker." + name
    }

    private func row(_ round: Int, _ kind: String, _ latency: UInt64?, _ cpu: UInt64) -> String {
        func ms(_ ns: UInt64) -> String { String(format1(Double(ns) / 1e6)) }
        let shown = latency.map(ms) ?? "no change"
        return "\(round)".padding(8) + kind.padding(12) + shown.padding(27) + ms(cpu)
    }
}

private func format1(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

struct ReloadFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
