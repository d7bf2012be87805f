import ArgumentParser
import UprocLinux
import UprocRules
import UprocTracker

/// Parse+compile time of a large generated config, then lookups per second
/// on one thread over a mix of identities.
struct RulesBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Time compiling a generated uproc.conf and looking processes up in it.")

    @Option(help: "Rules to generate.")
    var rules = 100_000

    @Option(help: "Lookups to time.")
    var lookups = 20_000_000

    @Option(help: "Compile runs (the fastest and the median are printed).")
    var runs = 5

    @Flag(help: """
        Instead of timing: compile `uid N uid.N` for N in 100000..<100000+rules (the \
        daemon's big-config case), keep only the table and a tracker over it, \
        and print this process's resident memory before and after.
        """)
    var memory = false

    func run() throws {
        if memory { return try measureMemory() }
        let text = Self.config(rules: rules)
        let source = SourceFile(path: "bench.conf", bytes: Array(text.utf8))
        let compiler = RuleCompiler(accounts: StaticAccounts(users: ["alice": 1000], groups: ["users": 100]))
        let clock = ContinuousClock()
        var times: [Duration] = []
        var cpuTimes: [Int] = []
        var compilation: Compilation?
        for _ in 0..<max(runs, 1) {
            let cpuStart = Self.threadCPUNanoseconds()
            let start = clock.now
            compilation = compiler.compile(source)
            times.append(clock.now - start)
            cpuTimes.append(Self.threadCPUNanoseconds() - cpuStart)
        }
        guard let compilation, let table = compilation.table else {
            print("generated config did not compile: \(compilation?.diagnostics.first?.message ?? "?")")
            throw ExitCode.failure
        }
        times.sort()
        cpuTimes.sort()
        print("config: \(compilation.ruleCount) rules, \(source.bytes.count) bytes, \(table.namespaceCount) namespaces, \(compilation.warningCount) warnings")
        print("parse+compile: fastest \(Self.milliseconds(times[0])) ms, median \(Self.milliseconds(times[times.count / 2])) ms over \(times.count) runs; on CPU: fastest \(Self.milliseconds(.nanoseconds(cpuTimes[0]))) ms, median \(Self.milliseconds(.nanoseconds(cpuTimes[cpuTimes.count / 2]))) ms")

        let identities = Self.identities(count: 4096, rules: rules)
        var matched = 0
        // Warm-up, then the timed loop.
        for identity in identities { table.forEachMatch(identity) { _ in matched &+= 1 } }
        matched = 0
        let cpuStart = Self.threadCPUNanoseconds()
        let start = clock.now
        var index = 0
        for _ in 0..<lookups {
            table.forEachMatch(identities[index]) { _ in matched &+= 1 }
            index = (index + 1) & (identities.count - 1)
        }
        let elapsed = clock.now - start
        let cpu = Double(Self.threadCPUNanoseconds() - cpuStart) / 1e9
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let perSecond = Double(lookups) / seconds
        print("lookups: \(lookups) in \(Self.milliseconds(elapsed)) ms = \(Int(perSecond / 1e3)) thousand/s (\(Int(seconds * 1e9 / Double(lookups))) ns each), \(matched) matches; on CPU: \(Int(Double(lookups) / cpu / 1e3)) thousand/s")
    }

    func measureMemory() throws {
        // Built as text first so that only the compiler's own memory counts.
        var text = ""
        text.reserveCapacity(rules * 24)
        for n in 100_000..<(100_000 + rules) { text += "uid \(n) uid.\(n)\n" }
        Malloc.releaseFreeMemory()
        let before = Self.residentMemory()
        let table: DecisionTable
        do {
            let source = SourceFile(path: "memory.conf", bytes: Array(text.utf8))
            text = ""
            guard let compiled = RuleCompiler().compile(source).table else {
                print("generated config did not compile")
                throw ExitCode.failure
            }
            table = compiled
        }
        let tracker = Tracker(table: table)
        Malloc.releaseFreeMemory()
        let after = Self.residentMemory()
        print("before compiling: \(before)")
        print("table + tracker of \(tracker.table.namespaceCount) namespaces: \(after)")
        // A reload's name diff against a table of the same names.
        let again = DecisionTable(rules: table.rules)
        let clock = ContinuousClock()
        let start = clock.now
        let changes = again.namespaceChanges(from: table)
        let elapsed = clock.now - start
        print("reload name diff: \(changes.kept.count) kept, \(changes.added.count) added in \(Self.milliseconds(elapsed)) ms")
        withExtendedLifetime(tracker) {}
    }

    /// VmRSS and RssAnon from /proc/self/status.
    static func residentMemory() -> String {
        guard let bytes = try? FileReading.read("/proc/self/status", limit: 1 << 16) else { return "?" }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("RssAnon") }
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
            .joined(separator: ", ")
    }

    /// Mostly `uid N uid.N`; one rule in 20 on `cmd`, one in 50 on
    /// `uid`+`cmd`, one in 100 on `gid`, 16 globs.
    static func config(rules: Int) -> String {
        var text = "# generated by uproc-bench rules\n"
        text.reserveCapacity(rules * 24)
        for n in 0..<rules {
            if n < 16 {
                text += "cmd \"worker\(n)-*\" glob.\(n)\n"
            } else if n % 100 == 1 {
                text += "gid \(n % 5000) gid.\(n)\n"
            } else if n % 50 == 0 {
                text += "uid \(n % 2000) cmd sshd multi.\(n)\n"
            } else if n % 20 == 0 {
                text += "cmd c\(n) cmd.\(n)\n"
            } else {
                text += "uid \(n) uid.\(n)\n"
            }
        }
        return text
    }

    /// Identities that hit uid rules, cmd rules, globs and nothing.
    static func identities(count: Int, rules: Int) -> [ProcessIdentity] {
        var generator = SystemRandomNumberGenerator()
        let comms: [ProcessName] = ["bash", "sshd", "worker3-x", "c2000", "systemd", "python3"]
        return (0..<count).map { _ in
            let uid = UInt32.random(in: 0..<UInt32(rules + rules / 4), using: &generator)
            let gid = UInt32.random(in: 0..<6000, using: &generator)
            return ProcessIdentity(uid: uid, gid: gid, comm: comms.randomElement(using: &generator)!)
        }
    }

    /// This thread's time on a CPU, from /proc/thread-self/schedstat: on a
    /// shared machine wall time also counts waiting for a core.
    static func threadCPUNanoseconds() -> Int {
        guard let bytes = try? FileReading.read("/proc/thread-self/schedstat", limit: 4096) else { return 0 }
        return Int(String(decoding: bytes.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)) ?? 0
    }

    static func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1e3 + Double(duration.components.attoseconds) / 1e15
        return String(Int(ms * 10) / 10) + "." + String(Int(ms * 10) % 10)
    }
}
