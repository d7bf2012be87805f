import UprocLinux
import UprocRules

/// Keeps the namespace directory the daemon's own while it runs: an inotify
/// watch on it tells which file someone deleted or moved (rewritten
/// after the round) and when the directory itself went. The events of the
/// daemon's own renames are read right after the round that wrote them, so
/// they never wake the loop. An inspection every second (and at once on
/// such news or a failed write) checks that the path is still the daemon's
/// directory, owned by it and writable by nobody else, recreating or
/// repairing it and rewriting every file when needed. Without the watch (an
/// inotify limit), each inspection checks every file. A part of the loop:
/// a reader source, a post handler and two timers.
final class DirectoryGuard {
    let repairs = Counter("repairs", help: "Namespace files, or the whole directory, written again because someone else deleted, moved or replaced them.")

    private let state: DaemonState
    private let directory: NamespaceDirectory
    private let files: any NamespaceRewriter
    private var watch: DirectoryWatch?
    /// Where a watch made after start-up (once an inotify limit lifts) is read.
    private weak var loop: EventLoop?
    /// The directory has no watch: each inspection looks at every file.
    private var unwatched = false
    private var inspectionTimer: LoopTimer?
    /// Runs the repairs in a round of their own.
    private var repairTimer: LoopTimer?
    /// Namespaces whose file someone else touched, to rewrite after the round.
    private var damaged: [NamespaceID] = []
    private var rewriteAll = false
    /// Every file is to be checked (the watch lost events).
    private var checkAll = false
    private var recordPending = false
    /// The last inspection's unsolved problem, logged once.
    private var lastProblem: String?
    /// Called once when another uprocd serves the path now: the daemon must
    /// stop without touching it (its lock guards only the old directory).
    var taken: ((_ holderPID: Int32?) -> Void)?
    /// `files.filesWritten` when the watch was last read after the daemon's own writes.
    private var filesSeen = 0
    static let inspectionInterval: UInt64 = 1_000_000_000
    /// How soon after news of the directory the inspection runs (lets a `rm -rf` finish).
    static let inspectionDelay: UInt64 = 20_000_000
    /// How soon rewrites that failed are tried again.
    static let retryDelay: UInt64 = 100_000_000

    /// Watches `directory`; without a watch (an inotify limit), every file
    /// is looked at in each inspection.
    init(state: DaemonState, directory: NamespaceDirectory, files: any NamespaceRewriter) {
        self.state = state
        self.directory = directory
        self.files = files
        var watch: DirectoryWatch?
        do {
            watch = try DirectoryWatch()
            try watch?.watch(state.options.directory)
        } catch {
            unwatched = true
            state.logger.warning(
                "\(state.options.directory): cannot watch the directory; each inspection checks every file instead",
                metadata: ["error": "\(error)"])
        }
        self.watch = watch
    }

    /// Registers the watch and a post handler that reads it after the
    /// round's writes (attach after the publisher), and the timers.
    func attach(to loop: EventLoop) throws(SystemCallError) {
        self.loop = loop
        if let watch { try attach(watch, to: loop) }
        repairTimer = loop.addTimer { [unowned self] in repairDue() }
        let inspection = loop.addTimer { [unowned self] in inspect() }
        inspection.schedule(afterNanoseconds: Self.inspectionInterval)
        inspectionTimer = inspection
    }

    private func attach(_ watch: DirectoryWatch, to loop: EventLoop) throws(SystemCallError) {
        try loop.addReader(watch.fileDescriptor) { [unowned self] in drainWatch() }
        loop.addPostHandler { [unowned self] in drainOwnEvents() }
    }

    /// Without a watch, each inspection tries to make one: an inotify limit
    /// that bit at start-up may have been raised, or other watches closed.
    /// Quiet while it still fails (the start-up warning said so).
    private func watchAgain() {
        guard let loop else { return }
        do throws(SystemCallError) {
            if let watch {
                try watch.watch(state.options.directory)
            } else {
                let created = try DirectoryWatch()
                try created.watch(state.options.directory)
                try attach(created, to: loop)
                watch = created
            }
        } catch {
            return
        }
        unwatched = false
        // Events before the watch are unknown: check every file once.
        checkAll = true
        state.logger.info("\(state.options.directory): watching the directory for changes again")
    }

    /// Runs the inspection shortly (the directory may be going away).
    func inspectSoon() {
        inspectionTimer?.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ Self.inspectionDelay)
    }

    /// The record could not be written: try again at the next inspection.
    func recordLater() { recordPending = true }

    /// After a round that wrote files. inotify queues an event during the
    /// `renameat` that causes it, so the daemon's own are all queued by now:
    /// reading them before the loop waits again keeps them from waking it
    /// (a wake-up per round of writes). Someone else's change read here is
    /// repaired in a round of its own, at once.
    private func drainOwnEvents() {
        guard files.filesWritten != filesSeen else { return }
        filesSeen = files.filesWritten
        drainWatch()
        if !damaged.isEmpty || checkAll { repairTimer?.scheduleNoLaterThan(MonotonicClock.nanoseconds()) }
    }

    private func drainWatch() {
        let table = state.tracker.table
        watch?.drain { event in
            switch event {
            case .fileChanged(let name):
                // A template's namespace whose file is written counts too.
                guard let id = table.id(of: name) ?? dynamicFile(name) else { return }
                state.logger.debug("namespace file changed by someone else; rewriting it", metadata: ["namespace": "\(name)"])
                damaged.append(id)
            case .directoryChanged:
                inspectSoon()
            case .overflow:
                // Events were lost — most likely to the daemon's own renames
                // (a round of more files than inotify queues events for):
                // look at every file, rewrite only what is gone. Rewriting
                // them all would overflow the watch again, for ever.
                checkAll = true
                inspectSoon()
            }
        }
    }

    /// Called before every publish: rewrites the files someone else touched.
    func repairDue() {
        if (!damaged.isEmpty || checkAll) && !rewriteAll && !directory.isAtPath() {
            // The directory itself went (`rm -rf`; the watch tells nothing of
            // it while the daemon holds it open): the inspection recreates
            // it, or finds another daemon there. Repairs in the old one are
            // moot. A path already known unusable waits for the next one.
            if lastProblem == nil { inspectSoon() }
            return
        }
        if rewriteAll {
            rewriteEveryFile()
            return
        }
        if checkAll {
            checkAll = false
            let table = state.tracker.table
            for index in 0..<table.namespaceCount where !directory.looksIntact(table.namespaceNames[index]) {
                damaged.append(NamespaceID(index))
            }
            for id in writtenDynamic where !directory.looksIntact(state.tracker.name(of: id)) { damaged.append(id) }
        }
        guard !damaged.isEmpty else { return }
        var failed: [NamespaceID] = []
        for id in damaged where !failed.contains(id) {
            if rewrite(id, wholeGroup: false) {
                state.logger.debug("namespace file restored", metadata: [
                    "namespace": "\(Int(id.index) < state.tracker.table.namespaceCount ? state.tracker.table.name(of: id) : state.tracker.liveDynamicName(of: id) ?? "-")",
                ])
                repairs.add()
            } else {
                failed.append(id)
            }
        }
        damaged = failed
        if !failed.isEmpty { retrySoon() }
    }

    /// The directory was recreated: the record and every file, once each
    /// group's.
    private func rewriteEveryFile() {
        rewriteAll = false
        damaged.removeAll()
        if !files.recordNames() { recordPending = true }
        let table = state.tracker.table
        for index in 0..<table.namespaceCount where table.isGroupLeader(NamespaceID(index)) {
            if !rewrite(NamespaceID(index), wholeGroup: true) {
                // Try everything again at the next inspection.
                rewriteAll = true
                retrySoon()
                break
            }
        }
        if !rewriteAll {
            for id in writtenDynamic where !rewrite(id, wholeGroup: false) {
                rewriteAll = true
                retrySoon()
                break
            }
        }
        if !rewriteAll { repairs.add() }
    }

    /// The live template namespace called `name`, when its file is written.
    private func dynamicFile(_ name: String) -> NamespaceID? {
        guard let id = state.tracker.id(of: name), Int(id.index) >= state.tracker.table.namespaceCount,
              let writer = files as? NamespaceWriter, writer.recordedDynamic.contains(name) else { return nil }
        return id
    }

    /// The live template namespaces whose files are written.
    private var writtenDynamic: [NamespaceID] {
        guard state.tracker.table.hasExtensions, let writer = files as? NamespaceWriter else { return [] }
        return writer.writtenDynamic
    }

    /// False on failure; a directory that went away is inspected at once.
    private func rewrite(_ id: NamespaceID, wholeGroup: Bool) -> Bool {
        do {
            try files.rewrite(id, wholeGroup: wholeGroup)
            return true
        } catch {
            if error.isDirectoryGone { inspectSoon() }
            return false
        }
    }

    private func retrySoon() {
        inspectionTimer?.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ Self.retryDelay)
    }

    private func inspect() {
        defer { inspectionTimer?.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ Self.inspectionInterval) }
        var problem: String?
        for finding in directory.inspect() {
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
                damaged.removeAll()
                checkAll = false
                recordPending = false
                let stop = taken
                taken = nil
                stop?(holder)
                return
            }
        }
        lastProblem = problem
        if unwatched { watchAgain() }
        if unwatched { checkAll = true }
        if recordPending && !rewriteAll { recordPending = !files.recordNames() }
        // Repairs and rewrites run in the post handler after this round.
    }
}
