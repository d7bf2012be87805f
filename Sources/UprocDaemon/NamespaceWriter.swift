import UprocLinux
import UprocRules
import UprocTracker

/// What the directory's guard may ask of the files' writer: to write again
/// the files someone else touched, and the record of names.
protocol NamespaceRewriter: AnyObject {
    /// Writes namespace `id`'s file now, whatever its rate; `wholeGroup`:
    /// every file of the group `id` leads. A failure is counted and logged,
    /// then thrown.
    func rewrite(_ id: NamespaceID, wholeGroup: Bool) throws(NamespaceDirectoryError)
    /// Records the namespace names in the directory; false on failure (logged).
    func recordNames() -> Bool
    /// Files written so far: when it moves, the daemon's own renames are
    /// queued on the directory's watch.
    var filesWritten: Int { get }
}

/// Writes the namespace files: a namespace's own, or the one file the
/// namespaces of a group share under each name; at start-up an empty one in
/// one call; the record of names. Counts what it writes, and counts and
/// (rarely) logs what fails: the previous file stays.
final class NamespaceWriter: NamespaceRewriter {
    let publishes = Counter("publishes", help: "Namespace files written.")
    let failures = Counter("publish_failures", help: "Namespace file writes that failed (retried; the previous file stays).")

    let directory: NamespaceDirectory
    private let state: DaemonState
    private var access: FileAccessPolicy
    private var errors = PublishErrorLog()
    /// The names of template namespaces (`cmd "*" cmd.{cmd}`) the record
    /// holds: each is recorded before its file is first written and
    /// forgotten after its file is removed, so a later start removes exactly
    /// those.
    private(set) var recordedDynamic = Set<String>()

    init(state: DaemonState, directory: NamespaceDirectory) {
        self.state = state
        self.directory = directory
        access = FileAccessPolicy(visibility: ProcVisibility.current(), table: state.config.table)
    }

    /// How `/proc` is mounted, as the file modes follow it.
    var procVisibility: ProcVisibility { access.visibility }

    var filesWritten: Int { publishes.value }

    /// Writes `pids` to namespace `id`'s file, or to every file of its
    /// group; `startUp`: the directory holds no namespace file yet, so an
    /// empty one is made in one `mknodat`, no temporary file (an existing
    /// file of a restart is replaced atomically instead). `table`: the
    /// tracker's, taken before its drain.
    func publish(_ id: NamespaceID, _ pids: UnsafeBufferPointer<Int32>, in table: DecisionTable, startUp: Bool)
        throws(NamespaceDirectoryError)
    {
        let group = Self.groupNames(of: id, in: table)
        if startUp && pids.isEmpty {
            for name in group ?? [table.name(of: id)] {
                try directory.publishEmptyNew(name, access: access.access(of: id))
            }
        } else {
            try write(id, group: group, pids, table: table)
        }
        publishes.add(group?.count ?? 1)
    }

    /// Writes a template namespace's file (`name` must be recorded).
    func publishDynamic(_ name: String, reader: UInt32?, _ pids: UnsafeBufferPointer<Int32>) throws(NamespaceDirectoryError) {
        try directory.publish(name, sortedPIDs: pids, access: access.access(ofUser: reader))
        publishes.add()
    }

    /// Names of template namespaces the last daemon made (their files are
    /// in the directory): recorded until the first publish says which stay.
    func inheritDynamic(_ names: [String]) {
        recordedDynamic.formUnion(names)
    }

    /// Records template namespaces before their first files; false when
    /// the record could not be written (the files then wait).
    func recordDynamic(_ names: [String]) -> Bool {
        recordedDynamic.formUnion(names)
        if recordNames() { return true }
        recordedDynamic.subtract(names)
        return false
    }

    /// Removes the files of template namespaces whose last member left,
    /// then the names from the record.
    func removeDynamic(_ names: [String]) {
        guard !names.isEmpty else { return }
        for name in names {
            directory.remove(name)
            recordedDynamic.remove(name)
        }
        _ = recordNames()
    }

    func rewrite(_ id: NamespaceID, wholeGroup: Bool) throws(NamespaceDirectoryError) {
        let table = state.tracker.table
        if Int(id.index) >= table.namespaceCount { return try rewriteDynamic(id) }
        let group = wholeGroup ? Self.groupNames(of: id, in: table) : nil
        defer { state.tracker.rewroteOutsideDrain(id) }
        do {
            try state.tracker.withMembers(of: id) { pids throws(NamespaceDirectoryError) in
                try write(id, group: group, pids, table: table)
            }
        } catch {
            failed(table.name(of: id), error, now: MonotonicClock.nanoseconds())
            throw error
        }
        publishes.add(group?.count ?? 1)
    }

    /// A template namespace's file, written again (a repair).
    private func rewriteDynamic(_ id: NamespaceID) throws(NamespaceDirectoryError) {
        // Gone since it was found damaged (its file removed with it), or an
        // ID of rules since replaced: nothing to repair.
        guard let name = state.tracker.liveDynamicName(of: id), recordedDynamic.contains(name) else { return }
        let fileAccess = access.access(ofUser: state.tracker.selectedUser(of: id))
        defer { state.tracker.rewroteOutsideDrain(id) }
        do {
            try state.tracker.withMembers(of: id) { pids throws(NamespaceDirectoryError) in
                try directory.publish(name, sortedPIDs: pids, access: fileAccess)
            }
        } catch {
            failed(name, error, now: MonotonicClock.nanoseconds())
            throw error
        }
        publishes.add()
    }

    /// The live template namespaces whose files are written (recorded).
    var writtenDynamic: [NamespaceID] {
        state.tracker.dynamicNamespaces.filter { recordedDynamic.contains(state.tracker.name(of: $0)) }
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

    /// The names of `leader`'s group when it has more than one namespace
    /// (they share one file), else nil.
    static func groupNames(of leader: NamespaceID, in table: DecisionTable) -> [String]? {
        guard table.hasGroups else { return nil }
        var names: [String] = []
        table.forEachNamespace(inGroupOf: leader) { names.append(table.name(of: $0)) }
        return names.count > 1 ? names : nil
    }

    /// Counts and (rarely) logs a failed write.
    func failed(_ name: String, _ error: NamespaceDirectoryError, now: UInt64) {
        failures.add()
        errors.failed(name, error, now: now, logger: state.logger)
    }

    /// Writes succeed again (logged once after failures).
    func succeeded() {
        errors.succeeded(logger: state.logger)
    }

    func recordNames() -> Bool {
        do {
            try directory.record(recordedDynamic.isEmpty
                ? state.tracker.table.namespaceNames : state.tracker.table.namespaceNames + recordedDynamic.sorted())
            return true
        } catch {
            state.logger.error("cannot record the namespace file names", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// New rules: files of removed namespaces go, the record follows, and
    /// the modes follow the new table. False when the record could not be
    /// written.
    func rulesReplaced(_ change: TableChange) -> Bool {
        for name in change.removed { directory.remove(name) }
        let recorded = change.added.isEmpty && change.removed.isEmpty || recordNames()
        access.update(state.tracker.table)
        return recorded
    }

    /// A stopped daemon must not look like a live one: every file goes.
    func removeAll() { directory.removeAll(state.tracker.table.namespaceNames + recordedDynamic.sorted()) }
}

extension NamespaceDirectoryError {
    /// The file system is full: one failed write says it for all.
    var isNoSpace: Bool {
        guard case .system(let failure) = self else { return false }
        return failure.errno == .noSpace
    }

    /// The directory went away: its guard should look at once, not at the
    /// next inspection.
    var isDirectoryGone: Bool {
        guard case .system(let failure) = self else { return false }
        return failure.errno == .noSuchFileOrDirectory
    }
}
