import UprocLinux
import UprocRules
import UprocTracker

/// Keeps the namespace files equal to the process table: after every round
/// of the loop it writes each changed namespace its rate allows, and a timer
/// brings back the ones held back. The writing is `NamespaceWriter`'s; the
/// directory's watch, inspection and repairs are `DirectoryGuard`'s.
final class Publisher {
    private let state: DaemonState
    let writer: NamespaceWriter
    let directoryGuard: DirectoryGuard
    /// Per namespace, `--min-interval`.
    private var rate: ArrivalTimes
    /// Bounds the time spent rewriting large files (coalescing their changes).
    private(set) var budget = PublishBudget()
    /// Until the first publish: the directory holds no namespace file.
    private var directoryIsFresh = true
    private var timer: LoopTimer?

    /// Claims the directory (created, checked, locked; files of namespaces
    /// no longer configured removed, the others kept until replaced).
    /// Call once the kernel subscription is confirmed.
    init(state: DaemonState) throws(DaemonError) {
        self.state = state
        let directory: NamespaceDirectory
        do {
            directory = try NamespaceDirectory(path: state.options.directory)
        } catch {
            throw .directory(error)
        }
        // Under templates the last daemon's other files stay until the first
        // publish has written those still made (no gap for readers after a
        // restart); `dropStaleDynamic` then removes the rest.
        let table = state.config.table
        var inherited: [String] = []
        if !table.templates.isEmpty {
            let configured = Set(table.namespaceNames)
            inherited = directory.previousNames.filter { !configured.contains($0) }
        }
        directory.claim(keeping: inherited.isEmpty ? table.namespaceNames : table.namespaceNames + inherited)
        writer = NamespaceWriter(state: state, directory: directory)
        writer.inheritDynamic(inherited)
        rate = ArrivalTimes(count: state.config.table.namespaceCount, interval: state.options.minimumInterval)
        // A full file system must not stop a restart: the guard retries.
        let recorded = writer.recordNames()
        if !directory.isTmpfs {
            state.logger.warning(
                "directory is not on tmpfs: every update is a disk write",
                metadata: ["directory": "\(state.options.directory)"])
        }
        // Watched once the record is written: its rename is no news.
        directoryGuard = DirectoryGuard(state: state, directory: directory, files: writer)
        if !recorded { directoryGuard.recordLater() }
    }

    var counters: [any ShownCounter] { [writer.publishes, writer.failures, budget.deferrals, directoryGuard.repairs] }

    /// Files written so far.
    var filesWritten: Int { writer.publishes.value }

    /// Publishes after every round, and when a held-back file is due; then
    /// the guard reads the watch.
    func attach(to loop: EventLoop) throws(SystemCallError) {
        timer = loop.addTimer { [unowned self] in publishDue() }
        loop.addPostHandler { [unowned self] in publishDue() }
        try directoryGuard.attach(to: loop)
    }

    /// How `/proc` is mounted, as the file modes follow it.
    var procVisibility: ProcVisibility { writer.procVisibility }

    /// Writes every changed namespace its rate allows; the others wait for
    /// the timer. The rate is a token bucket of two (GCRA): a quiet
    /// namespace is written the moment it changes, and again at once for its
    /// next change (a process that starts and soon ends shows both), while
    /// under a burst each file is rewritten once per `--min-interval`.
    func publishDue() {
        directoryGuard.repairDue()
        let general = state.tracker.table.hasExtensions
        // Also after a reload to rules without templates: their files go.
        if _slowPath(general || !writer.recordedDynamic.isEmpty) { writer.removeDynamic(state.tracker.takeRemovedNamespaces()) }
        // A refused process changes no file: said before the check for changes.
        if _slowPath(general) { logCappedTemplates() }
        guard state.tracker.settleChanges() else { state.eventLatency?.forget(); return }
        let written = writer.publishes.value
        var round = PublishRound(now: MonotonicClock.nanoseconds(), table: state.tracker.table, startUp: directoryIsFresh)
        directoryIsFresh = false
        if _slowPath(general) {
            state.tracker.publishChangedNamed { id, name, reader, pids in
                guard let name else { return publish(id, pids, in: &round) }
                return publishDynamic(id, name, reader, pids, in: &round)
            }
            recordDynamic(&round)
        } else {
            state.tracker.publishChanged { id, pids in publish(id, pids, in: &round) }
        }
        // Some files of these groups may have been replaced before a failure.
        for id in round.partialGroups { state.tracker.rewroteOutsideDrain(id) }
        if let due = budget.endRound(at: MonotonicClock.nanoseconds()) { round.retry(at: due) }
        if round.nextDue != .max {
            timer?.scheduleNoLaterThan(round.nextDue)
        } else {
            writer.succeeded()
        }
        // Times the events behind a round of writes (`--metrics-file`).
        if writer.publishes.value != written { state.eventLatency?.written(at: MonotonicClock.nanoseconds()) }
    }

    /// One changed namespace: written, or held back (its rate, the large-file
    /// budget, a full file system) for a later round.
    private func publish(_ id: NamespaceID, _ pids: UnsafeBufferPointer<Int32>, in round: inout PublishRound) -> Bool {
        if round.noSpace { return false }
        let index = Int(id.index)
        if let due = rate.notBefore(index, now: round.now) {
            round.retry(at: due)
            return false
        }
        guard budget.admits(pids.count, at: round.now) else { return false }
        do {
            try budget.timing(pids.count) { () throws(NamespaceDirectoryError) in
                try writer.publish(id, pids, in: round.table, startUp: round.startUp)
            }
        } catch {
            if NamespaceWriter.groupNames(of: id, in: round.table) != nil { round.partialGroups.append(id) }
            // Kept changed (the previous file stays): the next round tries again.
            writer.failed(round.table.name(of: id), error, now: round.now)
            if error.isDirectoryGone { directoryGuard.inspectSoon() }
            round.failed(noSpace: error.isNoSpace, interval: rate.interval)
            return false
        }
        rate.wrote(index, now: round.now)
        return true
    }

    /// A template's namespace: recorded first (its file waits one round for
    /// that), then written as a rule's is, under the same rate.
    private func publishDynamic(
        _ id: NamespaceID, _ name: String, _ reader: UInt32?, _ pids: UnsafeBufferPointer<Int32>, in round: inout PublishRound
    ) -> Bool {
        if round.noSpace { return false }
        guard writer.recordedDynamic.contains(name) else {
            round.unrecorded.append(name)
            return false
        }
        let index = Int(id.index)
        rate.reserve(index + 1)
        if let due = rate.notBefore(index, now: round.now) {
            round.retry(at: due)
            return false
        }
        do {
            try writer.publishDynamic(name, reader: reader, pids)
        } catch {
            writer.failed(name, error, now: round.now)
            if error.isDirectoryGone { directoryGuard.inspectSoon() }
            round.failed(noSpace: error.isNoSpace, interval: rate.interval)
            return false
        }
        rate.wrote(index, now: round.now)
        return true
    }

    /// After a round of a table with templates: new template namespaces
    /// are recorded (one record for all) and written at once in another
    /// round.
    private func recordDynamic(_ round: inout PublishRound) {
        guard !round.unrecorded.isEmpty else { return }
        round.retry(at: writer.recordDynamic(round.unrecorded) ? round.now : round.now &+ 100_000_000)
    }

    /// Templates that hit `--max-namespaces`, once per kind every 10 s.
    private func logCappedTemplates() {
        for line in state.tracker.takeCappedTemplates() {
            state.limiter.log(
                state.logger, .warning, kind: "template-cap",
                "a template reached --max-namespaces: its new names are not made, their processes not listed there",
                metadata: ["line": "\(line)", "max_namespaces": "\(state.options.maxNamespaces)",
                           "refused": "\(state.tracker.templateRefusals)"])
        }
    }

    /// New rules: files of removed namespaces go; the rate limiter starts over
    /// (namespace IDs changed).
    func rulesReplaced(_ change: TableChange) {
        if !writer.rulesReplaced(change) { directoryGuard.recordLater() }
        rate = ArrivalTimes(count: state.tracker.table.namespaceCount, interval: state.options.minimumInterval)
    }

    /// After the first publish: files the last daemon made for template
    /// namespaces that no process makes now go.
    func dropStaleDynamic() {
        guard !writer.recordedDynamic.isEmpty else { return }
        let live = Set(state.tracker.dynamicNamespaces.map { state.tracker.name(of: $0) })
        writer.removeDynamic(writer.recordedDynamic.filter { !live.contains($0) })
    }

    /// A stopped daemon must not look like a live one: every file goes.
    func removeAll() { writer.removeAll() }
}

/// What one `publishDue` learns as it goes through the changed namespaces.
private struct PublishRound {
    let now: UInt64
    /// The tracker's, taken before its drain.
    let table: DecisionTable
    let startUp: Bool
    /// When the timer must bring back what was held back; `.max`: nothing was.
    private(set) var nextDue = UInt64.max
    /// The file system is full: one failed write says it for all.
    private(set) var noSpace = false
    /// Groups some of whose files may have been replaced before a failure.
    var partialGroups: [NamespaceID] = []
    /// Template namespaces held back until the record names them.
    var unrecorded: [String] = []

    init(now: UInt64, table: DecisionTable, startUp: Bool) {
        self.now = now
        self.table = table
        self.startUp = startUp
    }

    mutating func retry(at due: UInt64) { nextDue = min(nextDue, due) }

    /// A write failed: tried again soon on a full file system (one write a
    /// try), else after the interval (at least 100 ms).
    mutating func failed(noSpace: Bool, interval: UInt64) {
        self.noSpace = noSpace
        retry(at: now &+ (noSpace ? Self.noSpaceRetry : max(interval, 100_000_000)))
    }

    static let noSpaceRetry: UInt64 = 20_000_000
}
