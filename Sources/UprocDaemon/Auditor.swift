import Logging
import UprocLinux
import UprocRules
import UprocTracker

/// `--audit-interval`: every so often the table is compared with a fresh
/// `/proc` scan. Anything that differs is read again once the events queued
/// meanwhile are applied; what still differs is drift (a bug or a lost
/// event): corrected, counted and logged as a warning with the PIDs and
/// namespaces involved.
final class Auditor {
    let audits = Counter("audits", help: "Audits of the process table against /proc (--audit-interval), as of the file's last write.",
                         rewritesMetrics: false)
    let drift = Counter("drift", help: "PIDs the audits found listed wrongly and corrected: a bug or a lost event.")

    private let state: DaemonState
    private let follower: KernelFollower
    private var timer: LoopTimer?
    /// At most this many PIDs and namespaces are named in one warning.
    static let shownInLog = 20

    init(state: DaemonState, follower: KernelFollower) {
        self.state = state
        self.follower = follower
    }

    private var readFailuresLogged = 0

    var counters: [any ShownCounter] { [audits, drift] }

    func attach(to loop: EventLoop) {
        loop.addPostHandler { [unowned self] in reportReadFailures() }
        let interval = state.options.auditInterval
        guard interval > 0 else { return }
        timer = loop.addTimer { [unowned self] in
            audit()
            timer?.schedule(afterNanoseconds: interval)
        }
        timer?.schedule(afterNanoseconds: interval)
    }

    /// One audit; returns what it corrected.
    @discardableResult
    func audit() -> ReconcileReport {
        audits.add()
        var report = ReconcileReport()
        let keys = state.tracker.table.usedKeys
        follower.drain()
        var snapshot = ScanSnapshot()
        snapshot.reserveCapacity(state.tracker.processCount + 256)
        do {
            // A process that cannot be read is no disagreement: it keeps its entry.
            try follower.reader.scan(reading: keys, unreadable: { pid in
                if let known = state.tracker.identity(of: pid) { snapshot.append(pid, known) }
            }) { pid, identity in snapshot.append(pid, identity) }
        } catch {
            state.limiter.log(state.logger, .error, kind: "scan", "audit: cannot scan /proc",
                              metadata: ["error": "\(error)", "scan_failures": "\(follower.reader.scanFailures)"])
            return report
        }
        // What happened during the scan is in the socket: apply it before comparing.
        follower.drain()
        let suspects = state.tracker.disagreements(with: snapshot)
        guard !suspects.isEmpty else { return report }
        // Read each suspect, then apply the events sent before that read (an
        // exit is sent before /proc shows a zombie, a fork before the child
        // runs): only what the events do not explain is drift. A process
        // changing right now (two reads disagree) is left to its events.
        // A process that cannot be read is left as it is known.
        var first: [(Int32, ProcessIdentity?)] = []
        first.reserveCapacity(suspects.count)
        for pid in suspects {
            switch follower.reader.lookUp(pid, reading: keys) {
            case .found(let identity): first.append((pid, identity))
            case .gone: first.append((pid, nil))
            case .unreadable: break
            }
        }
        follower.drain()
        for (pid, truth) in first where state.tracker.identity(of: pid) != truth {
            let again = follower.reader.lookUp(pid, reading: keys)
            guard again == (truth.map { .found($0) } ?? .gone) else { continue }
            if let correction = state.tracker.correct(pid, to: truth) {
                report.corrections.append(correction)
                if truth != nil { follower.leaderExits.mayHaveThreads(pid) }
            }
        }
        if !report.isEmpty { logDrift(report) }
        return report
    }

    /// A /proc read that failed for another reason than a gone process (the
    /// process keeps its entry, or is not listed yet): logged at a bounded
    /// rate.
    private func reportReadFailures() {
        let failures = follower.reader.readFailures
        guard failures != readFailuresLogged else { return }
        readFailuresLogged = failures
        state.limiter.log(
            state.logger, .error, kind: "proc-read", "cannot read /proc for a process; it stays as it was known until a read succeeds",
            metadata: ["error": "\(follower.reader.lastReadFailure.map { "\($0)" } ?? "")", "proc_read_failures": "\(failures)"])
    }

    private func logDrift(_ report: ReconcileReport) {
        drift.add(report.corrections.count)
        // A template's namespaces too: the tracker names them.
        let tracker = state.tracker
        var namespaces = Set<String>()
        var shown: [String] = []
        for correction in report.corrections {
            let left = correction.left.map { tracker.name(of: $0) }
            let joined = correction.joined.map { tracker.name(of: $0) }
            namespaces.formUnion(left)
            namespaces.formUnion(joined)
            if shown.count < Self.shownInLog {
                shown.append("\(correction.pid)" + left.map { " -\($0)" }.joined() + joined.map { " +\($0)" }.joined())
            }
        }
        let names = namespaces.sorted()
        state.logger.warning(
            "audit: the namespace files had drifted from /proc; corrected",
            metadata: [
                "drift": "\(report.corrections.count)",
                "drift_total": "\(drift.value)",
                "pids": "\(shown.joined(separator: ", "))\(report.corrections.count > shown.count ? ", …" : "")",
                "namespaces": "\(names.prefix(Self.shownInLog).joined(separator: " "))\(names.count > Self.shownInLog ? " …" : "")",
            ])
    }
}
