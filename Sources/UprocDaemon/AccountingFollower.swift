import UprocAccounting
import UprocEvents
import UprocLinux
import UprocRules
import UprocTracker

/// What the members of accounted namespaces use (uprocd(8), ACCOUNTING):
/// feeds the ledger the membership changes of each kernel event, the
/// kernel's exit records (taskstats) and, every `--metrics-interval`, a
/// `/proc` sample of each live member; then writes one accounting file per
/// accounted namespace (`DIR/.accounting/NAME`, readable as the namespace
/// file is) and gives the metrics their per-namespace families.
///
/// Accounted: the namespaces the metrics file exports (`--metrics-namespaces`,
/// the largest by processes, taken at each sample and kept until the rules
/// change) and those `--account` names. The daemon makes this part only
/// when one of the two applies; then an event costs a lookup or two, and a
/// sample one `/proc` read per member of an accounted namespace.
/// A part of the loop: a reader source (the exit records) and a timer.
final class AccountingFollower {
    /// Counts the daemon shows (`DaemonCounters`): `/proc` samples of
    /// members, ENOBUFS on the exit records' socket.
    private(set) var samples = 0
    private(set) var recordDrops = 0
    /// Members that ended without their record in time.
    var lostRecords: Int { ledger.statistics.lostRecords }

    private let state: DaemonState
    private var ledger: AccountingLedger
    private var accounted: AccountedNamespaces
    private let usage: ProcessUsageReader
    private let listener: TaskStatsListener?
    private let directory: CompanionDirectory
    private var access: FileAccessPolicy
    /// Per slot: its last snapshot, and when counting began (s since the epoch).
    private var previous: [AccountingSnapshot?] = []
    private var since: [UInt64] = []
    /// Per slot, the totals of the last sample, for the metrics.
    private(set) var totals: [SlotTotals] = []
    /// Files written, by name: removed when their namespace is no longer accounted.
    private var files: Set<String> = []
    /// Moves when a sample changed any total: the metrics file is due.
    private(set) var changes = 0
    private var timer: LoopTimer?
    /// When the last sample was taken (CLOCK_MONOTONIC ns).
    private var lastSample: UInt64 = 0
    private var pids: [Int32] = []
    private var writeFailing = false
    private var bytes: [UInt8] = []

    /// Whether exits count the kernel's exit records.
    var exact: Bool { ledger.exact }

    /// Opens `/proc` for samples, registers for exit records (unless
    /// `--no-exit-records`; a refusal is logged once and accounting goes on
    /// from samples) and opens `DIR/.accounting`.
    init(state: DaemonState) throws(DaemonError) {
        self.state = state
        do { usage = try ProcessUsageReader() } catch { throw .proc(error) }
        do {
            directory = try CompanionDirectory(parent: state.options.directory, name: AccountingFile.directoryName)
        } catch {
            throw .directory(error)
        }
        var listener: TaskStatsListener?
        if !state.options.noExitRecords {
            do {
                listener = try TaskStatsListener(receiveBufferSize: state.options.netlinkReceiveBuffer)
            } catch {
                state.logger.warning(
                    "no exit records: accounting samples live members only; processes shorter than the metrics interval are not counted",
                    metadata: ["error": "\(error)", "interval_s": "\(state.options.metricsInterval / 1_000_000_000)"])
            }
        } else {
            state.logger.notice(
                "no exit records (--no-exit-records): accounting samples live members only; processes shorter than the metrics interval are not counted",
                metadata: ["interval_s": "\(state.options.metricsInterval / 1_000_000_000)"])
        }
        self.listener = listener
        accounted = AccountedNamespaces(table: state.tracker.table, accounting: [])
        ledger = AccountingLedger(slotCount: 0, exact: listener != nil)
        access = FileAccessPolicy(visibility: ProcVisibility.current(), table: state.tracker.table)
        // A crash's files go unless their namespace is accounted again (then replaced).
        pendingLeftovers = Set(directory.leftovers)
    }

    private var pendingLeftovers: Set<String>

    func attach(to loop: EventLoop) throws(SystemCallError) {
        if let listener {
            try loop.addReader(listener.fileDescriptor) { [unowned self] in recordsReadable() }
        }
        timer = loop.addTimer { [unowned self] in sample() }
    }

    /// After the first scan: the namespaces to account, their members from
    /// now, the first files; then a sample every `--metrics-interval`.
    func start() {
        let unknown = state.options.accountedNames.filter { state.tracker.table.id(of: $0) == nil }
        if !unknown.isEmpty {
            state.logger.warning("--account names no namespace of the rules; accounted when a reload adds it",
                                 metadata: ["names": "\(unknown.joined(separator: ","))"])
        }
        select(fresh: true)
        sample()
    }

    // MARK: Events

    /// After the tracker applied `event`: who joined, left, was born or ended.
    func applied(_ event: ProcEvent) {
        guard accounted.slotCount > 0 else { return }
        switch event.kind {
        case .fork(_, let parentTGID, let childPID, let childTGID):
            guard childPID == childTGID else { return }
            // A child is in its parent's groups (a FORK of a non-member makes none).
            guard !ledger.slots(of: parentTGID).isEmpty || !ledger.slots(of: childTGID).isEmpty else { return }
            // A child already gone (read from /proc too late) was in its parent's.
            ledger.forked(childTGID, into: slotsNow(childTGID) ?? ledger.slots(of: parentTGID))
        case .exec(_, let tgid):
            let elapsed = MonotonicClock.nanoseconds() &- event.timestamp
            place(tgid) { reading in JoinEstimate.atExec(read: reading, elapsedMicroseconds: elapsed / 1000) }
        case .uid(let pid, let tgid, _, _), .gid(let pid, let tgid, _, _):
            guard pid == tgid else { return }
            place(tgid) { $0 }
        case .comm(let pid, let tgid, _):
            guard pid == tgid else { return }
            place(tgid) { $0 }
        case .exit(let pid, let tgid):
            // A leader whose threads live on ends with its last thread.
            guard pid == tgid, state.tracker.identity(of: tgid) == nil else { return }
            var final: ResourceUsage?
            if !ledger.exact, !ledger.slots(of: tgid).isEmpty, case .found(let sample) = usage.read(tgid) {
                final = sample.usage
            }
            ledger.ended(tgid, status: event.exitDetail?.status, usage: final, now: MonotonicClock.nanoseconds())
        case .ack:
            break
        }
    }

    /// `pid` may have joined or left accounted namespaces: its usage read
    /// now (adjusted by `estimate`) counts from a join and up to a leave.
    private func place(_ pid: Int32, _ estimate: (ResourceUsage) -> ResourceUsage) {
        guard let slots = slotsNow(pid) else { return }
        ledger.place(pid, in: slots) {
            guard case .found(let sample) = usage.read(pid) else { return nil }
            return estimate(sample.usage)
        }
    }

    /// The accounted slots `pid` is in now; nil when the tracker does not know it.
    private func slotsNow(_ pid: Int32) -> SlotSet? {
        var slots = SlotSet()
        let known = state.tracker.forEachGroup(of: pid) { id in
            if let slot = self.accounted.slot(of: id) { slots.insert(slot) }
        }
        return known ? slots : nil
    }

    // MARK: Exit records

    /// Exit records: the proc connector's events are taken first (the
    /// kernel sent the FORK or EXEC that made a process a member before its
    /// record), so a record of a process the tracker knows and the ledger
    /// does not is no member's and is dropped at once.
    private func recordsReadable() {
        guard let listener else { return }
        let now = MonotonicClock.nanoseconds()
        let result = listener.drain(budget: KernelFollower.drainBudget) { record in
            let pid = record.tgid != 0 ? record.tgid : record.pid
            guard !ledger.slots(of: pid).isEmpty || state.tracker.identity(of: pid) == nil else { return }
            ledger.recorded(record, now: now)
        }
        if result.overrun {
            recordDrops &+= 1
            state.limiter.log(state.logger, .warning, kind: "exit-records", "the kernel dropped exit records; members that ended meanwhile count their last sample",
                              metadata: ["exit_record_drops": "\(recordDrops)"])
        }
        if let error = result.error {
            state.limiter.log(state.logger, .error, kind: "exit-records-receive", "cannot receive exit records",
                              metadata: ["error": "\(error)"])
        }
    }

    // MARK: Samples

    /// Every `--metrics-interval`: the accounted namespaces (the largest may
    /// have changed), each live member's usage, the totals, the files.
    private func sample() {
        lastSample = MonotonicClock.nanoseconds()
        defer { timer?.schedule(afterNanoseconds: state.options.metricsInterval) }
        select(fresh: false)
        resync()
        pids.removeAll(keepingCapacity: true)
        ledger.forEachMember { pids.append($0) }
        for pid in pids {
            guard case .found(let reading) = usage.read(pid) else { continue }
            samples &+= 1
            ledger.sampled(pid, reading.usage, residentBytes: reading.residentBytes)
        }
        let now = MonotonicClock.nanoseconds()
        ledger.expire(now: now)
        let new = ledger.totals()
        state.logger.debug("accounting sample", metadata: [
            "members": "\(ledger.memberCount)", "lost": "\(ledger.statistics.lostRecords)",
            "unmatched": "\(ledger.statistics.unmatchedRecords)", "replaced": "\(ledger.statistics.replaced)",
        ])
        if new != totals { changes &+= 1 }
        totals = new
        writeFiles(now: now)
    }

    /// Membership as the tracker holds it now, for what events did not
    /// tell (checks of inherited identities, rescans, reloads): members
    /// that moved are placed again, those the tracker lost end, and the
    /// members of accounted groups not yet counted join from now.
    private func resync() {
        pids.removeAll(keepingCapacity: true)
        ledger.forEachMember { pids.append($0) }
        let now = MonotonicClock.nanoseconds()
        for pid in pids {
            if let slots = slotsNow(pid) {
                ledger.place(pid, in: slots) { readUsage(pid) }
            } else {
                ledger.ended(pid, status: nil, now: now)
            }
        }
        let table = state.tracker.table
        for names in accounted.namesBySlot {
            guard let first = names.first, let id = table.id(of: first) else { continue }
            state.tracker.withMembers(of: id) { members in
                pids.removeAll(keepingCapacity: true)
                pids.append(contentsOf: members)
            }
            for pid in pids where ledger.slots(of: pid).isEmpty {
                guard let slots = slotsNow(pid), !slots.isEmpty else { continue }
                ledger.place(pid, in: slots) { readUsage(pid) }
            }
        }
    }

    private func readUsage(_ pid: Int32) -> ResourceUsage? {
        guard case .found(let sample) = usage.read(pid) else { return nil }
        return sample.usage
    }

    // MARK: Which namespaces

    /// The names to account: `--account`'s, and when the metrics file
    /// exports namespaces, the largest non-empty ones (as many as it
    /// exports). `fresh` (start, new rules): from scratch; otherwise names
    /// accounted stay (their counters go on) and new large ones are added.
    private func select(fresh: Bool) {
        let table = state.tracker.table
        var names = Set(state.options.accountedNames)
        if state.options.metricsFile != nil && state.options.metricsNamespaces > 0 {
            var counts: [Int] = []
            counts.reserveCapacity(table.namespaceCount)
            for index in 0..<table.namespaceCount { counts.append(state.tracker.members(of: NamespaceID(index)).count) }
            for index in DaemonMetrics.largest(counts, limit: state.options.metricsNamespaces) where counts[index] > 0 {
                names.insert(table.name(of: NamespaceID(index)))
            }
        }
        names = names.filter { table.id(of: $0) != nil }
        if !fresh {
            let current = Set(accounted.namesBySlot.joined())
            // Nothing new: the accounted names stay as they are.
            if names.isSubset(of: current) { return }
            names.formUnion(current)
        }
        let change = accounted.update(table: table, accounting: names)
        for slot in change.retired { ledger.retireSlot(slot) }
        while ledger.slotCount < accounted.slotCount { _ = ledger.addSlot() }
        let now = WallClock.secondsSinceEpoch()
        while since.count < accounted.slotCount {
            since.append(UInt64(now))
            previous.append(nil)
        }
        for slot in change.retired + change.added {
            since[Int(slot)] = UInt64(now)
            previous[Int(slot)] = nil
        }
        if !change.added.isEmpty { resync() }
    }

    /// New rules: the accounted names chosen again, the files' readers
    /// follow the new table, the members placed again.
    func rulesReplaced() {
        access.update(state.tracker.table)
        select(fresh: true)
        resync()
        sampleSoon()
    }

    /// Before the metrics file is written: a sample, unless one was just
    /// taken, so that the file shows what members use as of its writing (a
    /// process that starts and burns CPU is in it within one interval); the
    /// next sample comes an interval later.
    func refresh() {
        if MonotonicClock.nanoseconds() &- lastSample > Self.recentSample { sample() }
    }

    static let recentSample: UInt64 = 100_000_000

    private func sampleSoon() {
        timer?.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ 1_000_000)
    }

    // MARK: Files

    /// One file per accounted name (a group's names each get the group's
    /// figures), readable by whoever may read the namespace file; files of
    /// names no longer accounted go. An unchanged namespace whose last
    /// file showed no growth is not rewritten.
    private func writeFiles(now: UInt64) {
        let table = state.tracker.table
        var written = Set<String>()
        var failure: NamespaceDirectoryError?
        // A directory made again holds none of the files.
        do {
            if try directory.reopenIfGone() { files = [] }
        } catch {
            failure = error
        }
        for (slot, names) in accounted.namesBySlot.enumerated() where !names.isEmpty && slot < totals.count {
            let before = previous[slot]
            let snapshot = AccountingSnapshot(totals: totals[slot], sampledNanoseconds: now, previous: before,
                                              sinceSeconds: since[slot], exact: ledger.exact)
            let idle = before.map { $0.totals == snapshot.totals && $0.interval.cpuMicroseconds == 0
                && $0.interval.readBytes == 0 && $0.interval.writeBytes == 0 && $0.interval.nanoseconds > 0 } ?? false
            for name in names { written.insert(name) }
            if idle && names.allSatisfy({ files.contains($0) && !pendingLeftovers.contains($0) }) { continue }
            previous[slot] = snapshot
            bytes.removeAll(keepingCapacity: true)
            AccountingFile.encode(snapshot, into: &bytes)
            for name in names {
                guard let id = table.id(of: name) else { continue }
                do {
                    try directory.replace(name, with: bytes, access: access.access(of: id))
                    pendingLeftovers.remove(name)
                } catch {
                    failure = error
                }
            }
        }
        for name in files.union(pendingLeftovers) where !written.contains(name) { directory.remove(name) }
        pendingLeftovers = []
        files = written
        if let failure {
            if !writeFailing {
                writeFailing = true
                state.logger.error("cannot write an accounting file", metadata: ["error": "\(failure)"])
            }
        } else if writeFailing {
            writeFailing = false
            state.logger.info("accounting files written again")
        }
    }

    /// At a clean stop: the files and their directory.
    func removeAll() {
        directory.removeAll(files.union(pendingLeftovers))
    }

    // MARK: Metrics

    /// The per-namespace families (uprocd(8), METRICS), one sample per name.
    func write(to metrics: inout MetricsText) {
        metrics.gauge("accounting_exact", help: "1 when accounting counts the kernel's exit records; 0 when it samples live members only (no CAP_NET_ADMIN, or --no-exit-records): processes shorter than --metrics-interval are not counted.",
                      value: .integer(ledger.exact ? 1 : 0))
        var cpu: [MetricSample] = []
        var memory: [MetricSample] = []
        var read: [MetricSample] = []
        var write: [MetricSample] = []
        var starts: [MetricSample] = []
        var exits: [MetricSample] = []
        for (slot, names) in accounted.namesBySlot.enumerated() where slot < totals.count {
            let figures = totals[slot]
            for name in names {
                let label = MetricLabel("namespace", name)
                cpu.append(MetricSample(labels: [label, MetricLabel("mode", "user")], value: .double(Double(figures.usage.userMicroseconds) / 1e6)))
                cpu.append(MetricSample(labels: [label, MetricLabel("mode", "system")], value: .double(Double(figures.usage.systemMicroseconds) / 1e6)))
                memory.append(MetricSample(labels: [label], value: .integer(figures.residentBytes)))
                read.append(MetricSample(labels: [label], value: .integer(figures.usage.readBytes)))
                write.append(MetricSample(labels: [label], value: .integer(figures.usage.writeBytes)))
                starts.append(MetricSample(labels: [label], value: .integer(figures.starts)))
                exits.append(MetricSample(labels: [label, MetricLabel("outcome", "success")], value: .integer(figures.exits.success)))
                exits.append(MetricSample(labels: [label, MetricLabel("outcome", "failure")], value: .integer(figures.exits.failure)))
                exits.append(MetricSample(labels: [label, MetricLabel("outcome", "signal")], value: .integer(figures.exits.signal)))
            }
        }
        metrics.counter("namespace_cpu_seconds", help: "CPU time used by an accounted namespace's processes while they were members (exited ones from their exit records), by mode.", cpu)
        metrics.gauge("namespace_memory_bytes", help: "Resident memory of an accounted namespace's processes, as last sampled (shared pages count once per process).", memory)
        metrics.counter("namespace_read_bytes", help: "Storage reads of an accounted namespace's processes while members (/proc/PID/io read_bytes).", read)
        metrics.counter("namespace_write_bytes", help: "Storage writes of an accounted namespace's processes while members (/proc/PID/io write_bytes).", write)
        metrics.counter("namespace_starts", help: "Processes that became members of an accounted namespace.", starts)
        metrics.counter("namespace_exits", help: "Members of an accounted namespace that exited, by outcome: success (code 0), failure (another code), signal.", exits)
    }
}
