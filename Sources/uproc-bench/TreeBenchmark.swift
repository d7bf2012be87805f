import ArgumentParser
import UprocRules
import UprocTracker

/// `uproc-bench trees`: the tracker's cost per event with tree rules, in
/// one run against the same storm without them: what a fork storm costs
/// when 100 tree rules are active (the goal: within 15 %).
struct TreeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trees",
        abstract: "Time the tracker under a fork+exit storm with and without tree rules.",
        discussion: """
            Each case builds a table of `rules` uid rules and a few cmd rules, plus \
            `tree-rules` tree rules, starts `processes` resident processes of one UID \
            (members of `in-trees` of the trees), and applies `events` events: forks of \
            a random resident and exits of the oldest of up to `in-flight` short-lived \
            children (with --exec each child also execs), draining every 1,000 events. \
            Cases: no tree rules (the baseline), then the tree rules with the residents \
            in none, in one and in all of them; one more plain rule the residents \
            match (the cost of one more membership, to compare with the second); one \
            `loginuid` rule (the general path without lineage); then children that \
            exec into `names` distinct names, without and with a template \
            `cmd "*" c.{cmd}`. Each case runs `rounds` times; the \
            best round counts.
            """)

    @Option(help: "Number of `uid N` rules.")
    var rules = 1_000

    @Option(help: "Number of tree rules.")
    var treeRules = 100

    @Option(help: "Resident processes, all of one UID.")
    var processes = 10_000

    @Option(help: "Fork and exit events to apply per case.")
    var events = 1_000_000

    @Option(help: "Short-lived children alive at once.")
    var inFlight = 64

    @Option(help: "Rounds per case (the best counts).")
    var rounds = 3

    @Option(help: "Distinct names the template case execs into.")
    var names = 64

    @Flag(help: "Each child also execs (a new name).")
    var exec = false

    @Option(help: "Run only these cases (numbered as printed, 0 to 8), comma-separated; 0 and 6 are baselines.")
    var only: String?

    struct Case {
        var title: String
        var config: String
        var inTrees: Int
        var execNames: Int
    }

    func run() throws {
        let uid: UInt32 = 1000
        var base = (0..<rules).map { "uid \($0) uid.\($0)" }.joined(separator: "\n")
        base += "\ncmd bash cmd.bash\ncmd sshd cmd.sshd\nuid \(uid) cmd make make.\(uid)\ncmd \"kworker*\" cmd.kworker\n"
        func trees(_ member: Int) -> String {
            (0..<treeRules).map { index in
                // The first `member` trees have the residents as roots.
                index < member ? "tree uid \(uid) cmd make tree.\(index)\n" : "tree cmd job\(index) tree.\(index)\n"
            }.joined()
        }
        let cases = [
            Case(title: "no tree rules (baseline)", config: base, inTrees: 0, execNames: 0),
            Case(title: "\(treeRules) tree rules, residents in none", config: base + trees(0), inTrees: 0, execNames: 0),
            Case(title: "\(treeRules) tree rules, residents in 1", config: base + trees(1), inTrees: 1, execNames: 0),
            Case(title: "\(treeRules) tree rules, residents in all", config: base + trees(treeRules), inTrees: treeRules, execNames: 0),
            Case(title: "no tree rules, residents in one more plain rule (compare with 2)",
                 config: base + "uid \(uid) cmd \"mak*\" plain.extra\n", inTrees: 0, execNames: 0),
            Case(title: "one loginuid rule (the general path without lineage)", config: base + "loginuid 4242 logins\n", inTrees: 0,
                 execNames: 0),
            Case(title: "no tree rules, children exec into \(names) names (baseline of 7)", config: base, inTrees: 0, execNames: names),
            Case(title: "template cmd \"*\" c.{cmd}, children exec into \(names) names", config: base + "cmd \"*\" c.{cmd}\n",
                 inTrees: 0, execNames: names),
        ]
        var baseline = 0.0
        let chosen = only.map { Set($0.split(separator: ",").compactMap { Int($0) }) }
        if chosen == nil || chosen!.contains(8) {
            let table = RuleCompiler().compile(SourceFile(path: "bench", text: base + "cmd \"*\" c.{cmd}\n")).table!
            for distinct in [10, 1_000, processes] { print("8. " + startUp(table, distinct: distinct)) }
        }
        for (index, benchmarkCase) in cases.enumerated() where chosen?.contains(index) ?? true {
            let compilation = RuleCompiler().compile(SourceFile(path: "bench", text: benchmarkCase.config))
            guard let table = compilation.table else { throw ValidationError("bench config: \(compilation.diagnostics.map(\.message))") }
            var best = Double.infinity
            var footprint = ""
            for _ in 0..<rounds {
                let (perEvent, detail) = storm(table, uid: uid, execNames: benchmarkCase.execNames)
                if perEvent < best { best = perEvent }
                footprint = detail
            }
            if index == 0 || index == 6 { baseline = best }
            let change = baseline > 0 ? (best / baseline - 1) * 100 : 0
            let ratio = baseline > 0 ? " (\(change < 0 ? "-" : "+")\(TrackerBenchmark.format(abs(change))) % vs case \(index < 6 ? 0 : 6))" : ""
            print("\(index). \(benchmarkCase.title): \(TrackerBenchmark.format(best)) ns/event\(index == 0 || index == 6 ? "" : ratio); \(footprint)")
        }
    }

    /// Start-up under `cmd "*" c.{cmd}`: `processes` upserts of `distinct`
    /// command names, then the first drain (every file written).
    func startUp(_ table: DecisionTable, distinct: Int) -> String {
        let clock = ContinuousClock()
        let started = clock.now
        var tracker = Tracker(table: table)
        for offset in 0..<processes {
            tracker.upsert(Int32(1000 + offset), ProcessIdentity(uid: 1000, gid: 1000, comm: ProcessName("p\(offset % distinct)")))
        }
        var files = 0
        tracker.publishChanged { _, _ in files += 1; return true }
        let elapsed = TrackerBenchmark.nanoseconds(clock.now - started) / 1e6
        return "start-up, \(processes) processes of \(distinct) names under cmd \"*\" c.{cmd}: \(TrackerBenchmark.format(elapsed)) ms, "
            + "\(tracker.generalFootprint.dynamic) dynamic namespaces, \(files) files"
    }

    /// One storm; ns per event and what the tracker held at the end.
    func storm(_ table: DecisionTable, uid: UInt32, execNames: Int) -> (Double, String) {
        let processes = processes, events = events, inFlight = inFlight, exec = exec || execNames > 0
        let clock = ContinuousClock()
        var tracker = Tracker(table: table)
        let firstPID: Int32 = 1000
        let resident = ProcessIdentity(uid: uid, gid: uid, comm: "make")
        for offset in 0..<processes { tracker.upsert(firstPID + Int32(offset), resident) }
        tracker.publishChanged { _, _ in true }
        let commNames = (0..<max(1, execNames)).map { Comm("cc\($0)") }
        var random = BenchmarkRandom(state: 0x5EED)
        var children: [Int32] = []
        children.reserveCapacity(inFlight * 2)
        var oldest = 0
        var nextPID = firstPID + Int32(processes)
        var applied = 0
        var sinceDrain = 0
        var published = 0
        let started = clock.now
        while applied < events {
            if children.count - oldest < inFlight {
                let parent = firstPID + Int32(truncatingIfNeeded: random.next() % UInt64(processes))
                if !tracker.fork(parent: parent, child: nextPID) { fatalError("fork of a known parent failed") }
                if oldest > 0 && children.count == children.capacity {
                    children.removeFirst(oldest)
                    oldest = 0
                }
                children.append(nextPID)
                if exec {
                    applied += 1
                    var executed = tracker.identity(of: nextPID)!
                    executed.comm = ProcessName(commNames[Int(truncatingIfNeeded: random.next() % UInt64(commNames.count))])
                    tracker.upsert(nextPID, executed)
                }
                nextPID &+= 1
            } else {
                tracker.remove(children[oldest])
                oldest += 1
            }
            applied += 1
            sinceDrain += 1
            if sinceDrain >= 1_000 {
                sinceDrain = 0
                tracker.publishChanged { _, members in published &+= members.count; return true }
                _ = tracker.takeRemovedNamespaces()
            }
        }
        let elapsed = TrackerBenchmark.nanoseconds(clock.now - started)
        let held = tracker.generalFootprint
        return (elapsed / Double(applied),
                "\(tracker.processCount) processes, \(held.treeSets) tree sets, \(held.dynamic) dynamic namespaces, \(held.ghosts) ghosts")
    }
}
