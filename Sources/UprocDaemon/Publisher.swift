import UprocLinux
import UprocRules
import UprocTracker

/// Keeps the namespace files equal to the process table: after every round
/// of the loop it writes each changed namespace its rate allows, and a timer
/// brings back the ones held back.
final class Publisher {
    private let state: DaemonState
    let directory: NamespaceDirectory
    /// Per namespace: the rate limiter's theoretical arrival time (ns), for
    /// `--min-interval`; 0 for a namespace never written.
    private var arrival: [UInt64]
    /// Until the first publish: the directory holds no namespace file.
    private var directoryIsFresh = true
    private var timer: LoopTimer?
    /// Bounds the time spent rewriting large files (coalescing their changes).
    private var budget = PublishBudget()

    /// Claims the directory (created, checked, locked, emptied).
    init(state: DaemonState) throws(DaemonError) {
        self.state = state
        do {
            directory = try NamespaceDirectory(path: state.options.directory)
        } catch {
            throw .directory(error)
        }
        arrival = Array(repeating: 0, count: state.config.table.namespaceCount)
        if !directory.isTmpfs {
            state.logger.warning(
                "directory is not on tmpfs: every update is a disk write",
                metadata: ["directory": "\(state.options.directory)"])
        }
    }

    /// Publishes after every round, and when a held-back file is due.
    func attach(to loop: EventLoop) {
        timer = loop.addTimer { [unowned self] in publishDue() }
        loop.addPostHandler { [unowned self] in publishDue() }
    }

    /// Writes every changed namespace its rate allows; the others wait for
    /// the timer. The rate is a token bucket of two (GCRA): a quiet
    /// namespace is written the moment it changes, and again at once for its
    /// next change (a process that starts and soon ends shows both), while
    /// under a burst each file is rewritten once per `--min-interval`.
    func publishDue() {
        guard state.tracker.settleChanges() else { return }
        let now = MonotonicClock.nanoseconds()
        var nextDue = UInt64.max
        let interval = state.options.minimumInterval
        let table = state.tracker.table
        let fresh = directoryIsFresh
        directoryIsFresh = false
        state.tracker.publishChanged { id, pids in
            // The theoretical arrival time: when the bucket would be full.
            let arrival = arrival[Int(id.index)]
            if arrival > now &+ interval {
                nextDue = min(nextDue, arrival &- interval)
                return false
            }
            let large = pids.count >= PublishBudget.largeFile
            if large && !budget.allowsLarge(at: now) {
                budget.holdBack()
                state.statistics.publishDeferrals &+= 1
                return false
            }
            let started = large ? MonotonicClock.nanoseconds() : 0
            defer { if large { budget.spent(MonotonicClock.nanoseconds() &- started) } }
            do {
                if fresh && pids.isEmpty {
                    // The directory was just emptied: one mknodat, no temp file.
                    try directory.publishEmptyNew(table.name(of: id))
                } else {
                    try directory.publish(table.name(of: id), sortedPIDs: pids)
                }
                state.statistics.publishes &+= 1
                self.arrival[Int(id.index)] = max(arrival, now) &+ interval
                return true
            } catch {
                // Keep it changed: the next round tries again.
                state.statistics.publishFailures &+= 1
                state.limiter.log(
                    state.logger, .error, kind: "publish", "cannot write namespace file",
                    metadata: ["namespace": "\(table.name(of: id))", "error": "\(error)"])
                nextDue = min(nextDue, now &+ max(interval, 100_000_000))
                return false
            }
        }
        if let due = budget.endRound(at: MonotonicClock.nanoseconds()) { nextDue = min(nextDue, due) }
        if nextDue != .max { timer?.scheduleNoLaterThan(nextDue) }
    }

    /// New rules: files of removed namespaces go; the rate limiter starts over
    /// (namespace IDs changed).
    func rulesReplaced(_ change: TableChange) {
        for name in change.removed { directory.remove(name) }
        arrival = Array(repeating: 0, count: state.tracker.table.namespaceCount)
    }

    /// A stopped daemon must not look like a live one: every file goes.
    func removeAll() { directory.removeAll() }
}
