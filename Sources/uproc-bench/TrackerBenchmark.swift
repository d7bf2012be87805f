import ArgumentParser
import UprocRules
import UprocTracker

/// `uproc-bench tracker`: the tracker's hot path under a fork+exit storm, on
/// a table as large as uprocfs's README measured (100,000 namespaces).
struct TrackerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracker",
        abstract: "Time the process tracker under a fork+exit storm.",
        discussion: """
            Builds a table with one `uid N` rule per N in 0..<rules plus a few cmd \
            rules, starts `processes` processes of one UID, then applies `events` \
            events (half forks of a random resident parent, half exits of the \
            oldest of up to `in-flight` short-lived children; with --exec each \
            child also execs, a third kind of event), draining the \
            changed namespaces every `drain-every` events as the daemon would.
            """)

    @Option(help: "Number of `uid N` rules.")
    var rules = 100_000

    @Option(help: "Resident processes, all of one UID.")
    var processes = 10_000

    @Option(help: "Fork and exit events to apply.")
    var events = 1_000_000

    @Option(help: "Short-lived children alive at once.")
    var inFlight = 64

    @Option(help: "Drain the changed namespaces every this many events (0: never).")
    var drainEvery = 1_000

    @Option(help: "The resident processes' UID (the first one, with --uids).")
    var uid: UInt32 = 1000

    @Option(help: "Spread the resident processes over this many UIDs from --uid on (over 4 defeats the tracker's memo: each event then walks the table).")
    var uids = 1

    @Flag(help: "Each child also execs (an EXEC event: the daemon re-reads it and upserts a new comm).")
    var exec = false

    func validate() throws {
        guard rules > Int(uid) + uids - 1 else { throw ValidationError("--uid plus --uids must stay below --rules") }
        guard processes > 0, events > 0, inFlight > 0, drainEvery >= 0, uids > 0 else {
            throw ValidationError("counts must be positive")
        }
    }

    func run() throws {
        // Plain locals: reading an @Option in the loop costs a generic metadata look-up.
        let rules = rules, processes = processes, events = events, inFlight = inFlight
        let drainEvery = drainEvery, uid = uid, exec = exec, uids = uids
        let clock = ContinuousClock()

        var ruleList = (0..<rules).map { Rule(conditions: [.id(.uid, UInt32($0))], namespace: "uid.\($0)") }
        ruleList.append(Rule(conditions: [.comm("bash")], namespace: "cmd.bash"))
        ruleList.append(Rule(conditions: [.comm("sshd")], namespace: "cmd.sshd"))
        ruleList.append(Rule(conditions: [.id(.uid, uid), .comm("make")], namespace: "make.\(uid)"))
        ruleList.append(Rule(conditions: [.commPattern(CommPattern("kworker*"))], namespace: "cmd.kworker"))

        var started = clock.now
        let table = DecisionTable(rules: ruleList)
        var tracker = Tracker(table: table)
        let residents = (0..<uids).map { ProcessIdentity(uid: uid + UInt32($0), gid: uid, comm: "make") }
        let firstPID: Int32 = 1000
        for offset in 0..<processes { tracker.upsert(firstPID + Int32(offset), residents[offset % uids]) }
        var published = 0
        tracker.publishChanged { _, members in published &+= members.count; return true }
        let setUp = clock.now - started

        // One classification through the table itself (what the memo saves).
        var matched = 0
        let probe = ProcessIdentity(uid: uid, gid: uid, comm: "bash")
        let probes = 20
        started = clock.now
        for _ in 0..<probes { table.forEachMatch(probe) { matched &+= Int($0.index) } }
        let classify = (clock.now - started) / probes

        var random = BenchmarkRandom(state: 0x5EED)
        var children: [Int32] = []
        children.reserveCapacity(inFlight)
        var oldest = 0
        var nextPID = firstPID + Int32(processes)
        var drains = 0
        var sinceDrain = 0
        started = clock.now
        var applied = 0
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
                    sinceDrain += 1
                    var executed = tracker.identity(of: nextPID)!
                    executed.comm = "cc1"
                    tracker.upsert(nextPID, executed)
                }
                nextPID &+= 1
            } else {
                tracker.remove(children[oldest])
                oldest += 1
            }
            applied += 1
            sinceDrain += 1
            if drainEvery > 0 && sinceDrain >= drainEvery {
                sinceDrain = 0
                tracker.publishChanged { _, members in published &+= members.count; return true }
                drains += 1
            }
        }
        let storm = clock.now - started

        // The slow paths, once each: a resync after dropped messages, a reload.
        var snapshot: [(Int32, ProcessIdentity)] = []
        for offset in 0..<processes {
            let pid = firstPID + Int32(offset)
            snapshot.append((pid, tracker.identity(of: pid)!))
        }
        started = clock.now
        tracker.reconcile(with: snapshot, republishAll: false)
        let reconcile = clock.now - started
        started = clock.now
        let change = tracker.replaceTable(table, republishAll: false)
        let reload = clock.now - started
        started = clock.now
        var republished = 0
        tracker.publishChanged { _, _ in republished &+= 1; return true }
        let drainAfterReload = clock.now - started

        let nanoseconds = Self.nanoseconds(storm)
        let perEvent = nanoseconds / Double(applied)
        print("table: \(table.namespaceCount) namespaces; \(processes) resident processes of \(uids) uid(s) from \(uid)")
        print("set-up (table, tracker, \(processes) upserts, first drain): \(Self.format(Self.nanoseconds(setUp) / 1e6)) ms")
        print("one classification through the table: \(Self.format(Self.nanoseconds(classify) / 1e3)) µs")
        print("storm: \(applied) events (forks, \(exec ? "execs, " : "")exits), \(drains) drains, in \(Self.format(nanoseconds / 1e6)) ms")
        print("storm: \(Self.format(perEvent)) ns/event, \(Int((1e9 / perEvent).rounded())) events/s")
        print("reconcile with a \(processes)-process scan: \(Self.format(Self.nanoseconds(reconcile) / 1e6)) ms")
        print("replaceTable (same \(change.kept.count) namespaces): \(Self.format(Self.nanoseconds(reload) / 1e6)) ms, then drain of \(republished) changed: \(Self.format(Self.nanoseconds(drainAfterReload) / 1e6)) ms")
        print("check: \(tracker.processCount) processes, \(published) PIDs published, \(matched)")
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    static func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// A seeded generator, so every run applies the same events.
struct BenchmarkRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }
}
