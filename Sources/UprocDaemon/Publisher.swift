import UprocLinux
import UprocRules
import UprocTracker

/// Keeps the namespace files equal to the process table: after every round
/// of the loop it writes each changed namespace its rate allows, and a timer
/// brings back the ones held back.
final class Publisher {
    private let state: DaemonState
    let directory: NamespaceDirectory
    /// Per namespace: the rate limiter's theoretical arrival time, for
    /// `--min-interval`.
    private var arrivals: ArrivalTimes
    /// Until the first publish: the directory holds no namespace file.
    private var directoryIsFresh = true
    private var timer: LoopTimer?
    /// The directory's watch, audit and repairs (see `DirectoryGuard`).
    private(set) var guardian: DirectoryGuard!
    private var errors = PublishErrorLog()
    /// Bounds the time spent rewriting large files (coalescing their changes).
    private var budget = PublishBudget()
    private var access: FileAccessPolicy
    /// The record of names could not be written at start.
    private var recordPending = false

    /// Claims the directory (created, checked, locked; files of namespaces
    /// no longer configured removed, the others kept until replaced).
    /// Call once the kernel subscription is confirmed.
    init(state: DaemonState) throws(DaemonError) {
        self.state = state
        do {
            directory = try NamespaceDirectory(path: state.options.directory)
        } catch {
            throw .directory(error)
        }
        directory.claim(keeping: state.config.table.namespaceNames)
        access = FileAccessPolicy(visibility: ProcVisibility.current(), table: state.config.table)
        arrivals = ArrivalTimes(count: state.config.table.namespaceCount, interval: state.options.minimumInterval)
        // A full file system must not stop a restart: the guardian retries.
        recordPending = !recordNames()
        if !directory.isTmpfs {
            state.logger.warning(
                "directory is not on tmpfs: every update is a disk write",
                metadata: ["directory": "\(state.options.directory)"])
        }
    }

    /// Publishes after every round, and when a held-back file is due.
    func attach(to loop: EventLoop) throws(SystemCallError) {
        timer = loop.addTimer { [unowned self] in publishDue() }
        loop.addPostHandler { [unowned self] in publishDue() }
        guardian = try DirectoryGuard(state: state, publisher: self, loop: loop)
        if recordPending { guardian.recordLater() }
    }

    /// How `/proc` is mounted, as the file modes follow it.
    var procVisibility: ProcVisibility { access.visibility }

    /// Writes every changed namespace its rate allows; the others wait for
    /// the timer. The rate is a token bucket of two (GCRA): a quiet
    /// namespace is written the moment it changes, and again at once for its
    /// next change (a process that starts and soon ends shows both), while
    /// under a burst each file is rewritten once per `--min-interval`.
    func publishDue() {
        guardian?.repairDue()
        guard state.tracker.settleChanges() else { state.eventLatency?.forget(); return }
        let publishesBefore = state.statistics.publishes
        defer { filesWritten(since: publishesBefore) }
        let now = MonotonicClock.nanoseconds()
        var nextDue = UInt64.max
        let interval = state.options.minimumInterval
        let table = state.tracker.table
        let fresh = directoryIsFresh
        directoryIsFresh = false
        // Full file system: one failed write says it for all; retry soon.
        var noSpace = false
        // Groups some of whose files may have been replaced before a failure.
        var partial: [NamespaceID] = []
        defer { for id in partial { state.tracker.rewroteOutsideDrain(id) } }
        state.tracker.publishChanged { id, pids in
            if noSpace { return false }
            // The theoretical arrival time: when the bucket would be full.
            let arrival = arrivals.arrival(Int(id.index), now: now)
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
            let group = Self.groupNames(of: id, in: table)
            do {
                if fresh && pids.isEmpty {
                    // Start-up: one mknodat, no temp file (an existing file
                    // of a restart is replaced atomically instead).
                    for name in group ?? [table.name(of: id)] {
                        try directory.publishEmptyNew(name, access: access.access(of: id))
                    }
                } else {
                    try write(id, group: group, pids, table: table)
                }
                state.statistics.publishes &+= group?.count ?? 1
                arrivals.set(Int(id.index), max(arrival, now) &+ interval)
                return true
            } catch {
                if group != nil { partial.append(id) }
                // Keep it changed (the previous file stays): the next round tries again.
                failed(table.name(of: id), error, now: now)
                noSpace = Self.isNoSpace(error)
                nextDue = min(nextDue, now &+ (noSpace ? Self.noSpaceRetry : max(interval, 100_000_000)))
                return false
            }
        }
        if let due = budget.endRound(at: MonotonicClock.nanoseconds()) { nextDue = min(nextDue, due) }
        if nextDue != .max {
            timer?.scheduleNoLaterThan(nextDue)
        } else {
            errors.succeeded(logger: state.logger)
        }
    }

    /// Runs `publishDue` (repairs first) in the next round, without waiting.
    func publishSoon() {
        timer?.scheduleNoLaterThan(MonotonicClock.nanoseconds())
    }

    /// How soon writes are tried again on a full file system (one write a try).
    static let noSpaceRetry: UInt64 = 20_000_000

    static func isNoSpace(_ error: any Error) -> Bool {
        guard case .system(let failure) = error as? NamespaceDirectoryError else { return false }
        return failure.errno == .noSpace
    }

    /// The names of `leader`'s group when it has more than one namespace
    /// (they share one file), else nil.
    static func groupNames(of leader: NamespaceID, in table: DecisionTable) -> [String]? {
        guard table.hasGroups else { return nil }
        var names: [String] = []
        table.forEachNamespace(inGroupOf: leader) { names.append(table.name(of: $0)) }
        return names.count > 1 ? names : nil
    }

    /// Writes `pids` to namespace `id`'s file, or to every file of `group`.
    private func write(
        _ id: NamespaceID, group: [String]?, _ pids: UnsafeBufferPointer<Int32>, table: DecisionTable
    ) throws(NamespaceDirectoryError) {
        if let group {
            try directory.publish(allOf: group, sortedPIDs: pids, access: access.access(of: id))
        } else {
            try directory.publish(table.name(of: id), sortedPIDs: pids, access: access.access(of: id))
        }
    }

    /// Writes namespace `id`'s file now, whatever its rate (a repair); with
    /// `wholeGroup`, every file of the group `id` leads. False on failure.
    @discardableResult
    func rewrite(_ id: NamespaceID, wholeGroup: Bool = false) -> Bool {
        let table = state.tracker.table
        let group = wholeGroup ? Self.groupNames(of: id, in: table) : nil
        let name = table.name(of: id)
        defer { state.tracker.rewroteOutsideDrain(id) }
        do {
            try state.tracker.withMembers(of: id) { pids throws(NamespaceDirectoryError) in
                try write(id, group: group, pids, table: table)
            }
            state.statistics.publishes &+= group?.count ?? 1
            return true
        } catch {
            failed(name, error, now: MonotonicClock.nanoseconds())
            return false
        }
    }

    /// Counts and (rarely) logs a failed write; a directory that went away
    /// is noticed at once rather than at the next audit.
    private func failed(_ name: String, _ error: any Error, now: UInt64) {
        state.statistics.publishFailures &+= 1
        errors.failed(name, error, now: now, logger: state.logger)
        if case .system(let failure) = error as? NamespaceDirectoryError, failure.errno == .noSuchFileOrDirectory {
            guardian?.auditSoon()
        }
    }

    /// Records the namespace names in the directory (before their files exist).
    func recordNames() -> Bool {
        do {
            try directory.record(state.tracker.table.namespaceNames)
            return true
        } catch {
            state.logger.error("cannot record the namespace file names", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Times the events behind a round of writes (`--metrics-file`).
    private func filesWritten(since publishesBefore: Int) {
        if state.statistics.publishes != publishesBefore { state.eventLatency?.written(at: MonotonicClock.nanoseconds()) }
    }

    /// New rules: files of removed namespaces go; the rate limiter starts over
    /// (namespace IDs changed).
    func rulesReplaced(_ change: TableChange) {
        for name in change.removed { directory.remove(name) }
        if !(change.added.isEmpty && change.removed.isEmpty) && !recordNames() { guardian?.recordLater() }
        access.update(state.tracker.table)
        arrivals = ArrivalTimes(count: state.tracker.table.namespaceCount, interval: state.options.minimumInterval)
    }

    /// A stopped daemon must not look like a live one: every file goes.
    func removeAll() { directory.removeAll(state.tracker.table.namespaceNames) }
}
