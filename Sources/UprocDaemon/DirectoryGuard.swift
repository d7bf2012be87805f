import UprocLinux
import UprocRules

/// Keeps the namespace directory the daemon's own while it runs: an inotify
/// watch on it tells which file someone deleted or moved (rewritten
/// after the round) and when the directory itself went. The events of the
/// daemon's own renames are read right after the round that wrote them, so
/// they never wake the loop. An audit every
/// second (and at once on such news or a failed write) checks that the
/// path is still the daemon's directory, owned by it and writable by nobody
/// else, recreating or repairing it and rewriting every file when needed.
/// Without the watch (an inotify limit), each audit checks every file.
final class DirectoryGuard {
    private let state: DaemonState
    private unowned let publisher: Publisher
    private let watch: DirectoryWatch?
    /// The directory has no watch: each audit looks at every file.
    private var unwatched = false
    private var auditTimer: LoopTimer!
    /// Namespaces whose file someone else touched, to rewrite after the round.
    private var repairs: [NamespaceID] = []
    private var rewriteAll = false
    /// Every file is to be checked (the watch lost events).
    private var checkAll = false
    private var recordPending = false
    /// The last audit's unsolved problem, logged once.
    private var lastProblem: String?
    /// Called once when another uprocd serves the path now: the daemon must
    /// stop without touching it (its lock guards only the old directory).
    var taken: ((_ holderPID: Int32?) -> Void)?
    /// `publishes` when the watch was last read after the daemon's own writes.
    private var publishesSeen = 0
    static let auditInterval: UInt64 = 1_000_000_000
    /// How soon after news of the directory the audit runs (lets a `rm -rf` finish).
    static let auditDelay: UInt64 = 20_000_000

    init(state: DaemonState, publisher: Publisher, loop: EventLoop) throws(SystemCallError) {
        self.state = state
        self.publisher = publisher
        var watch: DirectoryWatch?
        do {
            watch = try DirectoryWatch()
            try watch?.watch(state.options.directory)
        } catch {
            unwatched = true
            state.logger.warning(
                "\(state.options.directory): cannot watch the directory; each audit checks every file instead",
                metadata: ["error": "\(error)"])
        }
        self.watch = watch
        if let watch {
            try loop.addReader(watch.fileDescriptor) { [unowned self] in drainWatch() }
            // After the publisher's: the round's files are written.
            loop.addPostHandler { [unowned self] in drainOwnEvents() }
        }
        auditTimer = loop.addTimer { [unowned self] in audit() }
        auditTimer.schedule(afterNanoseconds: Self.auditInterval)
    }

    /// Runs the audit shortly (the directory may be going away).
    func auditSoon() {
        auditTimer.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ Self.auditDelay)
    }

    /// The record could not be written: try again at the next audit.
    func recordLater() { recordPending = true }

    /// After a round that wrote files. inotify queues an event during the
    /// `renameat` that causes it, so the daemon's own are all queued by now:
    /// reading them before the loop waits again keeps them from waking it
    /// (a wake-up per round of writes). Someone else's change read here is
    /// repaired in a round of its own, at once.
    private func drainOwnEvents() {
        guard state.statistics.publishes != publishesSeen else { return }
        publishesSeen = state.statistics.publishes
        drainWatch()
        if !repairs.isEmpty || checkAll { publisher.publishSoon() }
    }

    private func drainWatch() {
        let table = state.tracker.table
        watch?.drain { event in
            switch event {
            case .fileChanged(let name):
                guard let id = table.id(of: name) else { return }
                state.logger.debug("namespace file changed by someone else; rewriting it", metadata: ["namespace": "\(name)"])
                repairs.append(id)
            case .directoryChanged:
                auditSoon()
            case .overflow:
                // Events were lost — most likely to the daemon's own renames
                // (a round of more files than inotify queues events for):
                // look at every file, rewrite only what is gone. Rewriting
                // them all would overflow the watch again, for ever.
                checkAll = true
                auditSoon()
            }
        }
    }

    /// Called before every publish: rewrites the files someone else touched.
    func repairDue() {
        if (!repairs.isEmpty || checkAll) && !rewriteAll && !publisher.directory.isAtPath() {
            // The directory itself went (`rm -rf`; the watch tells nothing of
            // it while the daemon holds it open): the audit recreates it, or
            // finds another daemon there. Repairs in the old one are moot.
            // A path already known unusable waits for the next audit.
            if lastProblem == nil { auditSoon() }
            return
        }
        if rewriteAll {
            rewriteAll = false
            repairs.removeAll()
            if !publisher.recordNames() { recordPending = true }
            let table = state.tracker.table
            for index in 0..<table.namespaceCount where table.isGroupLeader(NamespaceID(index)) {
                if !publisher.rewrite(NamespaceID(index), wholeGroup: true) {
                    // Try everything again at the next audit.
                    rewriteAll = true
                    auditTimer.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ 100_000_000)
                    break
                }
            }
            if !rewriteAll { state.statistics.repairs &+= 1 }
            return
        }
        if checkAll {
            checkAll = false
            let table = state.tracker.table
            for index in 0..<table.namespaceCount where !publisher.directory.looksIntact(table.namespaceNames[index]) {
                repairs.append(NamespaceID(index))
            }
        }
        guard !repairs.isEmpty else { return }
        var failed: [NamespaceID] = []
        for id in repairs where !failed.contains(id) {
            if publisher.rewrite(id) {
                state.logger.debug("namespace file restored", metadata: ["namespace": "\(state.tracker.table.name(of: id))"])
                state.statistics.repairs &+= 1
            } else {
                failed.append(id)
            }
        }
        repairs = failed
        if !failed.isEmpty { auditTimer.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ 100_000_000) }
    }

    private func audit() {
        defer { auditTimer.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ Self.auditInterval) }
        var problem: String?
        for finding in publisher.directory.audit() {
            switch finding {
            case .recreated:
                state.logger.error("\(state.options.directory): \(finding)")
                do {
                    try watch?.watch(state.options.directory)
                    unwatched = watch == nil
                } catch {
                    if !unwatched { state.logger.error("cannot watch the directory", metadata: ["error": "\(error)"]) }
                    unwatched = true
                }
                rewriteAll = true
            case .modeRepaired, .ownerRepaired:
                state.logger.error("\(state.options.directory): \(finding)")
            case .unusable:
                // Tried every second: said once until it changes.
                let text = "\(finding)"
                if text != lastProblem { state.logger.error("\(state.options.directory): \(text)") }
                problem = text
            case .taken(let holder):
                state.logger.error("\(state.options.directory): \(finding); stopping")
                repairs.removeAll()
                checkAll = false
                recordPending = false
                let stop = taken
                taken = nil
                stop?(holder)
                return
            }
        }
        lastProblem = problem
        if unwatched { checkAll = true }
        if recordPending && !rewriteAll { recordPending = !publisher.recordNames() }
        // Repairs and rewrites run in the post handler after this round.
    }
}
