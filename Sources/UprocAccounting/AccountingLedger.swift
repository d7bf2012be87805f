import UprocEvents

/// What the members of each accounted namespace use: CPU time and storage
/// I/O while they are members, their resident memory, how many became
/// members and how they exited. Pure: the daemon feeds it membership
/// changes, `/proc` samples and the kernel's exit records, in the order it
/// learns them.
///
/// Accounted namespaces are *slots*, dense indices the daemon assigns (a
/// group of namespaces with one rule shares one slot). A process counts in
/// a slot from its join to its leave or exit:
/// - born a member (FORK of a member): from zero, so all of it counts;
/// - joined later (exec, setuid, rename): from its usage at the join;
/// - left (setuid away, rename, exec): up to its usage at the leave, which
///   stays counted;
/// - exited: up to its final figure, the kernel's exit record (exact for a
///   process that lived a millisecond between two samples), or, when the
///   record is lost or there are none (no CAP_NET_ADMIN), its last sample.
///
/// How: per slot an offset, and per member process its latest usage; a
/// slot's counter is its offset plus its members' latest usage. A join
/// subtracts the usage at the join from the offset, a leave or exit adds
/// the usage then. A member's usage only grows (of two figures, the one
/// with more CPU time in all, split as its source splits it; each I/O
/// counter the larger), and the totals never go below what was reported
/// before, mode by mode, without adding to the CPU time in all: no counter
/// ever decreases, even when a record is lost, and none is inflated by two
/// sources' different splits of user and system time.
///
/// A record and the proc connector's EXIT travel on two sockets: the
/// kernel sends the record first, but the daemon may read them in either
/// order, and may read a record before even the FORK or EXEC that made
/// its process a member. A record that ends a process waits
/// (`recordGrace`) for the process's EXIT, and an EXIT waits as long for
/// its record. (A record waiting while its process's PID is reused, its
/// EXIT lost, would be taken for the new process's: that needs the PIDs
/// to wrap within `recordGrace`.)
package struct AccountingLedger: Sendable {
    /// What the ledger knows of one member process.
    struct Member: Sendable {
        var slots: SlotSet
        /// The latest usage known (a sample, the usage at a join or leave).
        var latest: ResourceUsage
        var residentBytes: UInt64 = 0
        /// I/O of its threads that exited while it was a member (the
        /// kernel's group totals leave I/O out).
        var exitedThreadsRead: UInt64 = 0
        var exitedThreadsWrite: UInt64 = 0
        /// Its EXIT arrived, its record not yet (when, monotonic ns).
        var endedAt: UInt64?
        var status: WaitStatus?
    }

    /// A record that ended a process, waiting for the process's EXIT.
    struct PendingRecord: Sendable {
        var usage: ResourceUsage
        var status: WaitStatus
        var arrivedAt: UInt64
    }

    /// Counts of what did not go as planned.
    package struct Statistics: Hashable, Sendable {
        /// Members that ended without an exit record in time (lost to
        /// ENOBUFS): their last sample counts.
        package var lostRecords = 0
        /// Records that ended a process whose EXIT never came (the
        /// connector lost it): dropped.
        package var unmatchedRecords = 0
        /// Members replaced by a new process with their PID (their EXIT
        /// was lost): their last sample counts.
        package var replaced = 0

        package init() {}
    }

    package private(set) var statistics = Statistics()
    /// Whether exit records arrive (taskstats registered).
    package let exact: Bool
    /// How long a record and an EXIT wait for each other, ns.
    package let recordGrace: UInt64

    var accounts: [SlotAccount]
    var members: [Int32: Member] = [:]
    var pendingRecords: [Int32: PendingRecord] = [:]
    /// PIDs in the order their EXIT or record began to wait (each checked
    /// against the member or record when it comes due).
    var waitingExits: [(pid: Int32, since: UInt64)] = []
    var waitingRecords: [(pid: Int32, since: UInt64)] = []
    /// The totals last reported, per slot: none goes below.
    var reported: [SlotTotals]

    struct SlotAccount: Sendable {
        /// Wrapping: a member's usage at its join is subtracted, its usage
        /// at its leave or exit added.
        var offset = ResourceUsage.zero
        var starts: UInt64 = 0
        var exits = ExitCounts()
    }

    package init(slotCount: Int, exact: Bool, recordGrace: UInt64 = 1_000_000_000) {
        self.exact = exact
        self.recordGrace = recordGrace
        accounts = Array(repeating: SlotAccount(), count: slotCount)
        reported = Array(repeating: SlotTotals(), count: slotCount)
    }

    package var slotCount: Int { accounts.count }
    /// Member processes (those waiting for their exit record included).
    package var memberCount: Int { members.count }

    /// Adds a slot, counting from zero; returns it.
    package mutating func addSlot() -> UInt32 {
        accounts.append(SlotAccount())
        reported.append(SlotTotals())
        return UInt32(accounts.count - 1)
    }

    /// The slot's namespace is no longer accounted (rules reloaded without
    /// it): its members leave it uncounted and its counters start over for
    /// whatever the slot holds next. O(members).
    package mutating func retireSlot(_ slot: UInt32) {
        guard Int(slot) < accounts.count else { return }
        for pid in Array(members.keys) {
            members[pid]!.slots.remove(slot)
            if members[pid]!.slots.isEmpty && members[pid]!.endedAt == nil { members[pid] = nil }
        }
        accounts[Int(slot)] = SlotAccount()
        reported[Int(slot)] = SlotTotals()
    }

    // MARK: Membership

    /// FORK: `child` is born into `slots` (its parent's), from zero. A
    /// member still known under its PID (its EXIT was lost) ends first,
    /// with its last sample.
    package mutating func forked(_ child: Int32, into slots: SlotSet) {
        if members[child] != nil {
            statistics.replaced += 1
            finish(child, usage: nil, status: nil)
        }
        guard !slots.isEmpty else { return }
        members[child] = Member(slots: slots, latest: .zero)
        for slot in slots where Int(slot) < accounts.count { accounts[Int(slot)].starts &+= 1 }
    }

    /// `pid` is now in exactly `slots` (after an exec, a UID or GID change,
    /// a rename, a re-read): joins and leaves what changed, at the usage
    /// `usageNow` gives (called once, only when something changes; nil: the
    /// process cannot be read, and joins nothing).
    package mutating func place(_ pid: Int32, in slots: SlotSet, usageNow: () -> ResourceUsage?) {
        guard let member = members[pid] else {
            guard !slots.isEmpty, let usage = usageNow() else { return }
            members[pid] = Member(slots: SlotSet(), latest: usage)
            for slot in slots { join(pid, slot) }
            return
        }
        guard member.endedAt == nil, member.slots != slots else { return }
        let usage = usageNow()
        if let usage { members[pid]!.latest = member.latest.merged(usage) }
        for slot in member.slots where !slots.contains(slot) { leave(pid, slot) }
        for slot in slots where !member.slots.contains(slot) { join(pid, slot) }
        if members[pid]!.slots.isEmpty { members[pid] = nil }
    }

    /// `pid` joins `slot` at `usage` (its usage at the join).
    package mutating func joined(_ pid: Int32, slot: UInt32, at usage: ResourceUsage) {
        if members[pid] == nil {
            members[pid] = Member(slots: SlotSet(), latest: usage)
        } else {
            guard members[pid]!.endedAt == nil else { return }
            members[pid]!.latest = members[pid]!.latest.merged(usage)
        }
        join(pid, slot)
    }

    /// `pid` leaves `slot` at `usage` (its usage at the leave).
    package mutating func left(_ pid: Int32, slot: UInt32, at usage: ResourceUsage) {
        guard members[pid] != nil, members[pid]!.endedAt == nil else { return }
        members[pid]!.latest = members[pid]!.latest.merged(usage)
        leave(pid, slot)
        if members[pid]!.slots.isEmpty { members[pid] = nil }
    }

    /// The slots `pid` is in (empty when it is in none).
    package func slots(of pid: Int32) -> SlotSet {
        members[pid]?.slots ?? SlotSet()
    }

    // MARK: Usage

    /// A sample of a member's usage now (`/proc`); others are ignored.
    package mutating func sampled(_ pid: Int32, _ usage: ResourceUsage, residentBytes: UInt64) {
        guard members[pid] != nil, members[pid]!.endedAt == nil else { return }
        members[pid]!.latest = members[pid]!.latest.merged(usage)
        members[pid]!.residentBytes = residentBytes
    }

    /// Calls `body` with every live member (to sample it).
    package func forEachMember(_ body: (Int32) -> Void) {
        for (pid, member) in members where member.endedAt == nil { body(pid) }
    }

    // MARK: Exits

    /// A taskstats exit record (any task's; most are not members'). A
    /// thread's adds its I/O to its process; the one that ends a process
    /// is its final figure, waiting for the process's EXIT unless that
    /// came first.
    package mutating func recorded(_ record: TaskExitRecord, now: UInt64) {
        let pid = record.tgid != 0 ? record.tgid : record.pid
        guard record.groupEnded else {
            guard members[pid] != nil else { return }
            members[pid]!.exitedThreadsRead &+= record.task.readBytes
            members[pid]!.exitedThreadsWrite &+= record.task.writeBytes
            return
        }
        var usage = record.processUsage
        if let member = members[pid] {
            usage.readBytes &+= member.exitedThreadsRead
            usage.writeBytes &+= member.exitedThreadsWrite
            if member.endedAt != nil {
                finish(pid, usage: usage, status: record.status)
                return
            }
        }
        pendingRecords[pid] = PendingRecord(usage: usage, status: record.status, arrivedAt: now)
        waitingRecords.append((pid, now))
    }

    /// The proc connector says process `pid` ended (`status` its EXIT's
    /// wait status). Its record, if it came, is its final figure; without
    /// exit records, `usage` (read at the EXIT, if the zombie could still
    /// be read) or its last sample is.
    package mutating func ended(_ pid: Int32, status: WaitStatus?, usage: ResourceUsage? = nil, now: UInt64) {
        if let record = pendingRecords.removeValue(forKey: pid) {
            if members[pid] != nil { finish(pid, usage: record.usage, status: record.status) }
            return
        }
        guard members[pid] != nil, members[pid]!.endedAt == nil else { return }
        if let usage { members[pid]!.latest = members[pid]!.latest.merged(usage) }
        guard exact else {
            finish(pid, usage: nil, status: status)
            return
        }
        members[pid]!.endedAt = now
        members[pid]!.status = status
        waitingExits.append((pid, now))
    }

    /// Ends what waited longer than `recordGrace`: members whose record was
    /// lost (their last usage counts) and records whose EXIT was lost.
    package mutating func expire(now: UInt64) {
        var kept = 0
        for (pid, since) in waitingExits {
            guard let member = members[pid], member.endedAt == since else { continue }
            if now &- since >= recordGrace {
                statistics.lostRecords += 1
                finish(pid, usage: nil, status: member.status)
            } else {
                waitingExits[kept] = (pid, since)
                kept += 1
            }
        }
        waitingExits.removeLast(waitingExits.count - kept)
        kept = 0
        for (pid, since) in waitingRecords {
            guard let record = pendingRecords[pid], record.arrivedAt == since else { continue }
            if now &- since >= recordGrace {
                pendingRecords[pid] = nil
                if members[pid] != nil { statistics.unmatchedRecords += 1 }
            } else {
                waitingRecords[kept] = (pid, since)
                kept += 1
            }
        }
        waitingRecords.removeLast(waitingRecords.count - kept)
    }

    // MARK: Totals

    /// Every slot's totals now: one pass over the members. Counters never
    /// go below what was reported before.
    package mutating func totals() -> [SlotTotals] {
        var result = accounts.map { SlotTotals(usage: $0.offset, starts: $0.starts, exits: $0.exits) }
        for member in members.values {
            for slot in member.slots where Int(slot) < result.count {
                let index = Int(slot)
                result[index].usage = result[index].usage &+ member.latest
                if member.endedAt == nil {
                    result[index].processes += 1
                    result[index].residentBytes &+= member.residentBytes
                }
            }
        }
        for index in result.indices {
            result[index].usage = result[index].usage.monotone(after: reported[index].usage)
            reported[index] = result[index]
        }
        return result
    }

    // MARK: Internals

    private mutating func join(_ pid: Int32, _ slot: UInt32) {
        guard Int(slot) < accounts.count, members[pid]!.slots.insert(slot) else { return }
        accounts[Int(slot)].offset = accounts[Int(slot)].offset &- members[pid]!.latest
        accounts[Int(slot)].starts &+= 1
    }

    private mutating func leave(_ pid: Int32, _ slot: UInt32) {
        guard members[pid]!.slots.remove(slot), Int(slot) < accounts.count else { return }
        accounts[Int(slot)].offset = accounts[Int(slot)].offset &+ members[pid]!.latest
    }

    /// Ends member `pid`: `usage` merged with its latest (`merged`) counts
    /// in each of its slots; `status`, if
    /// known, counts its exit.
    private mutating func finish(_ pid: Int32, usage: ResourceUsage?, status: WaitStatus?) {
        guard let member = members.removeValue(forKey: pid) else { return }
        let final = usage.map { member.latest.merged($0) } ?? member.latest
        for slot in member.slots where Int(slot) < accounts.count {
            accounts[Int(slot)].offset = accounts[Int(slot)].offset &+ final
            if let status { accounts[Int(slot)].exits.count(status) }
        }
    }
}
