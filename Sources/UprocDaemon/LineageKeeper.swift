import UprocLinux
import UprocRules
import UprocTracker

/// Keeps the lineage of tree namespaces across restarts: the file
/// `.uprocd.lineage` in the directory (`LineageSnapshot`), written every
/// 2 s (longer for a lineage whose snapshot takes over 20 ms) when events
/// came since the last write and what it would hold changed, and at a
/// clean stop; read back at start, each process verified
/// by its start time. Without the file (or with rules that have no tree)
/// tree namespaces know what runs from `/proc` alone: a process reparented
/// before the daemon started is not known as a descendant, and that is
/// logged. A part of the loop: one timer. Costs nothing without tree rules.
final class LineageKeeper {
    let writes = Counter("lineage_writes", help: "Times the lineage file (.uprocd.lineage) was written.")

    private let state: DaemonState
    private let directory: NamespaceDirectory
    private let follower: KernelFollower
    /// Under hidepid the file tells no more than /proc: root's alone.
    private let mode: UInt32
    private var timer: LoopTimer?
    /// Events and rescans when the file was last written.
    private var lastActivity = -1
    /// What the file holds, its first line (when it was written) left out.
    private var lastBody: ArraySlice<UInt8> = []
    /// How long the last snapshot took: a large lineage is written less
    /// often (at most 1 % of a CPU), since each snapshot reads every
    /// member's start time.
    private var lastCost: UInt64 = 0
    /// Start times read for the last snapshot, by the tracker's serial of
    /// each process: a snapshot reads only those of new processes.
    private var starts: [UInt32: UInt64] = [:]

    static let interval: UInt64 = 2_000_000_000
    /// Far above what 4 million PIDs in trees take.
    static let limit = 256 << 20

    init(state: DaemonState, directory: NamespaceDirectory, follower: KernelFollower, visibility: ProcVisibility) {
        mode = visibility.hidesProcesses ? 0o400 : 0o444
        self.state = state
        self.directory = directory
        self.follower = follower
    }

    func attach(to loop: EventLoop) {
        let timer = loop.addTimer { [unowned self] in
            write()
            self.timer?.schedule(afterNanoseconds: max(Self.interval, lastCost &* 100))
        }
        timer.schedule(afterNanoseconds: Self.interval)
        self.timer = timer
    }

    /// After the start-up scan: puts back the lineage the last daemon kept.
    func restore() {
        guard state.tracker.table.hasTrees else {
            // Rules without trees follow no lineage: a file left by earlier rules is stale.
            return directory.removeOwnFile(NamespaceDirectory.lineageName)
        }
        guard let bytes = directory.readOwnFile(NamespaceDirectory.lineageName, limit: Self.limit) else {
            return follower.logIncompleteTrees(reason: "no_lineage_file")
        }
        let snapshot: LineageSnapshot
        do {
            snapshot = try LineageSnapshot.decode(bytes)
        } catch {
            state.logger.warning("cannot read the lineage file; starting from /proc", metadata: ["error": "\(error)"])
            return follower.logIncompleteTrees(reason: "lineage_file_invalid")
        }
        let reader = follower.reader
        let report = state.tracker.restoreLineage(snapshot) { reader.parentAndStart(of: $0)?.start }
        state.logger.info(
            "lineage restored",
            metadata: [
                "restored": "\(report.restored)", "gone": "\(report.gone)",
                "dropped_trees": "\(report.droppedTrees.joined(separator: ","))",
            ])
    }

    /// Writes the file when something may have changed (`force`: at stop).
    func write(force: Bool = false) {
        guard state.tracker.table.hasTrees else { return }
        let activity = follower.events.value &+ follower.rescans.value
        guard force || activity != lastActivity else { return }
        lastActivity = activity
        let reader = follower.reader
        let started = MonotonicClock.nanoseconds()
        var known = starts
        var fresh: [UInt32: UInt64] = [:]
        fresh.reserveCapacity(known.count)
        let snapshot = state.tracker.lineageSnapshot(written: BootClock.ticks()) { pid, serial in
            guard let start = known.removeValue(forKey: serial) ?? reader.parentAndStart(of: pid)?.start else { return nil }
            fresh[serial] = start
            return start
        }
        // Those not in this snapshot (exited, or out of every tree) are forgotten.
        starts = fresh
        let bytes = snapshot.encode()
        lastCost = MonotonicClock.nanoseconds() - started
        let body = bytes[(bytes.firstIndex(of: UInt8(ascii: "\n")) ?? 0)...]
        guard force || body != lastBody else { return }
        do {
            try directory.replaceOwnFile(NamespaceDirectory.lineageName, with: bytes, access: FileAccess(mode: mode))
            lastBody = body
            writes.add()
            state.logger.debug("lineage written", metadata: [
                "records": "\(snapshot.records.count)", "ms": "\(milliseconds(MonotonicClock.nanoseconds() - started))",
            ])
        } catch {
            state.limiter.log(state.logger, .error, kind: "lineage-write", "cannot write the lineage file", metadata: ["error": "\(error)"])
        }
    }
}
