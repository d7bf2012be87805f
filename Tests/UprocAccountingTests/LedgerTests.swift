import Testing
import UprocAccounting
import UprocEvents
import UprocTestSupport

/// CPU in µs (user only, unless said), I/O in bytes.
private func usage(_ user: UInt64, system: UInt64 = 0, read: UInt64 = 0, write: UInt64 = 0) -> ResourceUsage {
    ResourceUsage(userMicroseconds: user, systemMicroseconds: system, readBytes: read, writeBytes: write)
}

/// The record of a single-threaded process ending with `status`.
private func record(_ pid: Int32, _ used: ResourceUsage, status: UInt32 = 0) -> TaskExitRecord {
    TaskExitRecord(version: 16, pid: pid, tgid: pid, status: WaitStatus(status), flags: TaskStatsABI.flagGroupEnded,
                   task: TaskStatsFigures(userSampleMicroseconds: used.userMicroseconds,
                                          systemSampleMicroseconds: used.systemMicroseconds,
                                          readBytes: used.readBytes, writeBytes: used.writeBytes))
}

private let a: UInt32 = 0
private let b: UInt32 = 1
private let second: UInt64 = 1_000_000_000

@Suite struct LedgerTests {
    /// A process born a member and exiting before any sample counts its
    /// whole exit record: exact for a process that lived a millisecond.
    @Test func aShortLivedMemberCountsItsExitRecordExactly() {
        var ledger = AccountingLedger(slotCount: 2, exact: true)
        ledger.forked(100, into: SlotSet([a]))
        ledger.recorded(record(100, usage(1_234, system: 56, read: 7, write: 4096)), now: 10)
        ledger.ended(100, status: WaitStatus(0), now: 11)
        let totals = ledger.totals()
        #expect(totals[0].usage == usage(1_234, system: 56, read: 7, write: 4096))
        #expect(totals[0].starts == 1 && totals[0].exits == ExitCounts(success: 1) && totals[0].processes == 0)
        #expect(totals[1] == SlotTotals())
        #expect(ledger.memberCount == 0)
    }

    /// The record and the EXIT travel on two sockets, and a record may
    /// even come before the FORK that made its process a member: every
    /// order counts the same.
    @Test(arguments: [["fork", "record", "exit"], ["fork", "exit", "record"], ["record", "fork", "exit"]])
    func recordAndExitMeetInAnyOrder(_ order: [String]) {
        var ledger = AccountingLedger(slotCount: 1, exact: true)
        var now: UInt64 = 0
        for step in order {
            now += 1_000
            switch step {
            case "fork": ledger.forked(200, into: SlotSet([a]))
            case "record": ledger.recorded(record(200, usage(5_000), status: 1 << 8), now: now)
            default: ledger.ended(200, status: WaitStatus(1 << 8), now: now)
            }
        }
        ledger.expire(now: now + 10 * second)
        let totals = ledger.totals()
        #expect(totals[0].usage == usage(5_000))
        #expect(totals[0].exits == ExitCounts(failure: 1))
        #expect(ledger.statistics == AccountingLedger.Statistics())
    }

    /// A member that setuid's away keeps what it used so far in the
    /// namespace it left; the one it joins counts from the join.
    @Test func aMemberThatLeavesKeepsItsCPUWhereItWas() {
        var ledger = AccountingLedger(slotCount: 2, exact: true)
        ledger.forked(300, into: SlotSet([a]))
        ledger.sampled(300, usage(30_000), residentBytes: 1 << 20)
        ledger.place(300, in: SlotSet([b])) { usage(40_000, write: 100) }
        var totals = ledger.totals()
        #expect(totals[0].usage == usage(40_000, write: 100) && totals[0].processes == 0)
        #expect(totals[1].usage == .zero && totals[1].processes == 1 && totals[1].starts == 1)
        ledger.sampled(300, usage(70_000, write: 100), residentBytes: 2 << 20)
        totals = ledger.totals()
        #expect(totals[1].usage == usage(30_000) && totals[1].residentBytes == 2 << 20)
        ledger.recorded(record(300, usage(100_000, write: 300), status: 9), now: 1)
        ledger.ended(300, status: WaitStatus(9), now: 2)
        totals = ledger.totals()
        #expect(totals[0].usage == usage(40_000, write: 100) && totals[0].exits == ExitCounts())
        #expect(totals[1].usage == usage(60_000, write: 200) && totals[1].exits == ExitCounts(signal: 1))
    }

    /// A record lost to ENOBUFS: the EXIT waits for it, then the last
    /// sample counts. No counter ever decreases.
    @Test func aLostRecordCountsTheLastSample() {
        var ledger = AccountingLedger(slotCount: 1, exact: true, recordGrace: second)
        ledger.forked(400, into: SlotSet([a]))
        ledger.sampled(400, usage(50_000, read: 10), residentBytes: 4096)
        let before = ledger.totals()[0].usage
        ledger.ended(400, status: WaitStatus(0), now: 5 * second)
        #expect(ledger.totals()[0].usage == before)
        #expect(ledger.totals()[0].processes == 0, "an exited process is no member, waiting or not")
        ledger.expire(now: 5 * second + second / 2)
        #expect(ledger.memberCount == 1)
        ledger.expire(now: 6 * second)
        let totals = ledger.totals()
        #expect(totals[0].usage == usage(50_000, read: 10) && totals[0].exits == ExitCounts(success: 1))
        #expect(ledger.statistics.lostRecords == 1 && ledger.memberCount == 0)
    }

    /// Sources round differently (`/proc` in clock ticks, records by tick
    /// samples): a final figure below the last sample counts the sample,
    /// counter by counter.
    @Test func aRecordBelowTheLastSampleNeverTakesAnythingBack() {
        var ledger = AccountingLedger(slotCount: 1, exact: true)
        ledger.forked(500, into: SlotSet([a]))
        ledger.sampled(500, usage(60_000, system: 10_000, write: 8192), residentBytes: 0)
        #expect(ledger.totals()[0].usage == usage(60_000, system: 10_000, write: 8192))
        ledger.recorded(record(500, usage(56_000, system: 20_000, write: 4096)), now: 1)
        ledger.ended(500, status: nil, now: 1)
        // The record's 76 ms in all; user time does not go back, so the
        // system time gets what the record's split gives it beyond 60 ms.
        #expect(ledger.totals()[0].usage == usage(60_000, system: 16_000, write: 8192))
    }

    /// A sample and a record that split the same CPU time differently
    /// between user and system time: the time counts once.
    @Test func twoSplitsOfOneTimeCountItOnce() {
        var ledger = AccountingLedger(slotCount: 1, exact: true)
        ledger.forked(510, into: SlotSet([a]))
        ledger.sampled(510, usage(10_000, system: 10_000), residentBytes: 0)
        ledger.recorded(record(510, usage(16_000, system: 6_000)), now: 1)
        ledger.ended(510, status: nil, now: 1)
        #expect(ledger.totals()[0].usage == usage(16_000, system: 6_000))
        // Reported in between, the modes keep what they showed; the total is still the record's.
        var reported = AccountingLedger(slotCount: 1, exact: true)
        reported.forked(511, into: SlotSet([a]))
        reported.sampled(511, usage(10_000, system: 10_000), residentBytes: 0)
        _ = reported.totals()
        reported.recorded(record(511, usage(16_000, system: 6_000)), now: 1)
        reported.ended(511, status: nil, now: 1)
        let usage = reported.totals()[0].usage
        #expect(usage.cpuMicroseconds == 22_000 && usage.userMicroseconds >= 10_000 && usage.systemMicroseconds >= 10_000)
    }

    /// Without exit records (no CAP_NET_ADMIN) an EXIT ends a member at
    /// once, with what is known: the usage read at the EXIT if the zombie
    /// could be read, else its last sample.
    @Test func withoutRecordsAnExitCountsTheLastKnownUsage() {
        var ledger = AccountingLedger(slotCount: 1, exact: false)
        ledger.forked(600, into: SlotSet([a]))
        ledger.forked(601, into: SlotSet([a]))
        ledger.sampled(600, usage(10_000), residentBytes: 0)
        ledger.sampled(601, usage(10_000), residentBytes: 0)
        ledger.ended(600, status: WaitStatus(0), now: 1)
        ledger.ended(601, status: WaitStatus(2 << 8), usage: usage(25_000), now: 1)
        let totals = ledger.totals()
        #expect(totals[0].usage == usage(35_000) && totals[0].exits == ExitCounts(success: 1, failure: 1))
        #expect(ledger.memberCount == 0)
    }

    /// The kernel's group totals hold a process's CPU but not its I/O: that
    /// is the sum of its threads' records.
    @Test func aMultiThreadedProcessSumsItsThreadsIO() {
        var ledger = AccountingLedger(slotCount: 1, exact: true)
        ledger.forked(700, into: SlotSet([a]))
        let thread = TaskExitRecord(version: 16, pid: 701, tgid: 700,
                                    task: TaskStatsFigures(userSampleMicroseconds: 4_000, readBytes: 100, writeBytes: 1 << 20))
        ledger.recorded(thread, now: 1)
        let last = TaskExitRecord(version: 16, pid: 700, tgid: 700, flags: TaskStatsABI.flagGroupEnded,
                                  task: TaskStatsFigures(userSampleMicroseconds: 8_000, writeBytes: 1 << 20),
                                  group: TaskStatsFigures(userSampleMicroseconds: 12_000, systemSampleMicroseconds: 4_000))
        ledger.recorded(last, now: 2)
        ledger.ended(700, status: WaitStatus(0), now: 3)
        #expect(ledger.totals()[0].usage == usage(12_000, system: 4_000, read: 100, write: 2 << 20))
    }

    @Test func exitsAreCountedByOutcomeInEverySlotOfTheMember() {
        var ledger = AccountingLedger(slotCount: 2, exact: true)
        for (pid, status) in [(Int32(1), UInt32(0)), (2, 1 << 8), (3, 9), (4, 0x80 | 11), (5, 0)] {
            ledger.forked(pid, into: SlotSet([a, b]))
            ledger.recorded(record(pid, usage(1), status: status), now: 1)
            ledger.ended(pid, status: WaitStatus(status), now: 1)
        }
        let totals = ledger.totals()
        for slot in 0..<2 {
            #expect(totals[slot].exits == ExitCounts(success: 2, failure: 1, signal: 2))
            #expect(totals[slot].starts == 5 && totals[slot].usage == usage(5))
        }
    }

    /// Memory is a gauge: the members' resident memory as last sampled.
    @Test func memoryIsTheSumOfLiveMembersResidentMemory() {
        var ledger = AccountingLedger(slotCount: 2, exact: true)
        ledger.forked(800, into: SlotSet([a]))
        ledger.forked(801, into: SlotSet([a, b]))
        ledger.sampled(800, usage(1), residentBytes: 64 << 20)
        ledger.sampled(801, usage(1), residentBytes: 8 << 20)
        var totals = ledger.totals()
        #expect(totals[0].residentBytes == 72 << 20 && totals[0].processes == 2)
        #expect(totals[1].residentBytes == 8 << 20 && totals[1].processes == 1)
        ledger.ended(800, status: WaitStatus(0), now: 1)
        totals = ledger.totals()
        #expect(totals[0].residentBytes == 8 << 20 && totals[0].processes == 1)
    }

    /// A process that joins by exec counts from the join; one whose usage
    /// cannot be read (it is gone) joins nothing.
    @Test func aJoinCountsFromTheUsageAtTheJoin() {
        var ledger = AccountingLedger(slotCount: 1, exact: true)
        ledger.place(900, in: SlotSet([a])) { usage(7_000, read: 50) }
        ledger.recorded(record(900, usage(9_500, read: 80)), now: 1)
        ledger.ended(900, status: WaitStatus(0), now: 1)
        ledger.place(901, in: SlotSet([a])) { nil }
        ledger.recorded(record(901, usage(9_999)), now: 1)
        ledger.ended(901, status: WaitStatus(0), now: 1)
        let totals = ledger.totals()
        #expect(totals[0].usage == usage(2_500, read: 30) && totals[0].starts == 1)
        #expect(totals[0].exits == ExitCounts(success: 1))
    }

    /// `place` reads the usage only when the membership changes.
    @Test func placingWhereAProcessAlreadyIsReadsNothing() {
        var ledger = AccountingLedger(slotCount: 2, exact: true)
        ledger.forked(950, into: SlotSet([a, b]))
        var reads = 0
        ledger.place(950, in: SlotSet([b, a])) {
            reads += 1
            return usage(1)
        }
        ledger.place(951, in: SlotSet()) {
            reads += 1
            return usage(1)
        }
        #expect(reads == 0)
        ledger.place(950, in: SlotSet()) {
            reads += 1
            return usage(3)
        }
        #expect(reads == 1 && ledger.memberCount == 0)
        #expect(ledger.totals().map(\.usage) == [usage(3), usage(3)])
    }

    /// A PID forked again while the ledger still knows a member under it
    /// (its EXIT was lost): the old one ends with its last sample.
    @Test func aReusedPIDEndsTheMemberItHad() {
        var ledger = AccountingLedger(slotCount: 1, exact: true)
        ledger.forked(1000, into: SlotSet([a]))
        ledger.sampled(1000, usage(20_000), residentBytes: 0)
        ledger.forked(1000, into: SlotSet([a]))
        #expect(ledger.statistics.replaced == 1)
        ledger.recorded(record(1000, usage(1_000)), now: 1)
        ledger.ended(1000, status: WaitStatus(0), now: 1)
        let totals = ledger.totals()
        #expect(totals[0].usage == usage(21_000) && totals[0].starts == 2 && totals[0].exits == ExitCounts(success: 1))
    }

    /// A record whose EXIT never comes (the connector lost it) is dropped
    /// after the grace; one of a non-member quietly.
    @Test func recordsWithoutAnExitExpire() {
        var ledger = AccountingLedger(slotCount: 1, exact: true, recordGrace: second)
        ledger.forked(1100, into: SlotSet([a]))
        ledger.recorded(record(1100, usage(5)), now: 0)
        ledger.recorded(record(1101, usage(5)), now: 0)
        ledger.expire(now: 2 * second)
        #expect(ledger.statistics.unmatchedRecords == 1)
        #expect(ledger.memberCount == 1, "the member lives on until its EXIT (or a rescan) ends it")
    }

    @Test func aRetiredSlotForgetsItsMembersAndCounters() {
        var ledger = AccountingLedger(slotCount: 2, exact: true)
        ledger.forked(1200, into: SlotSet([a, b]))
        ledger.forked(1201, into: SlotSet([b]))
        ledger.sampled(1200, usage(10), residentBytes: 0)
        ledger.retireSlot(b)
        #expect(ledger.slots(of: 1200) == SlotSet([a]))
        #expect(ledger.memberCount == 1)
        let totals = ledger.totals()
        #expect(totals[1] == SlotTotals() && totals[0].usage == usage(10))
        #expect(ledger.addSlot() == 2 && ledger.slotCount == 3)
    }

    /// Model check: random joins, leaves, samples, exits and lost records
    /// over monotone usage. Every counter never decreases between two
    /// reports, and once every process has ended with its record, each
    /// slot holds exactly the usage its members had while members.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func randomHistoriesAddUpAndNeverDecrease(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let slotCount = 5
        var ledger = AccountingLedger(slotCount: slotCount, exact: true, recordGrace: second)
        // The truth: each process's usage now and its slots with the usage at
        // their join; and the latest usage the ledger was told (what a lost
        // record leaves it).
        var usageNow: [Int32: ResourceUsage] = [:]
        var told: [Int32: ResourceUsage] = [:]
        var joinedAt: [Int32: [UInt32: ResourceUsage]] = [:]
        var expected = Array(repeating: ResourceUsage.zero, count: slotCount)
        var last = ledger.totals()
        var now: UInt64 = 0
        var nextPID: Int32 = 1

        func randomSlots() -> SlotSet {
            SlotSet((0..<UInt32(slotCount)).filter { _ in random.next() % 3 == 0 })
        }
        func grow(_ pid: Int32) {
            var usage = usageNow[pid]!
            usage.userMicroseconds += random.next() % 5_000
            usage.systemMicroseconds += random.next() % 1_000
            usage.writeBytes += (random.next() % 4) * 4096
            usageNow[pid] = usage
        }
        func credit(_ pid: Int32, _ slot: UInt32, at usage: ResourceUsage) {
            expected[Int(slot)] = expected[Int(slot)] &+ (usage &- joinedAt[pid]![slot]!)
        }

        for _ in 0..<2_000 {
            now += 1_000_000
            let live = Array(usageNow.keys)
            switch random.next() % 6 {
            case 0:  // a fork into some slots
                let pid = nextPID
                nextPID += 1
                let slots = randomSlots()
                usageNow[pid] = .zero
                told[pid] = .zero
                joinedAt[pid] = Dictionary(uniqueKeysWithValues: slots.map { ($0, ResourceUsage.zero) })
                ledger.forked(pid, into: slots)
            case 1, 2:  // time passes, a sample
                guard let pid = live.randomElement(using: &random) else { continue }
                grow(pid)
                if joinedAt[pid]!.isEmpty { continue }
                ledger.sampled(pid, usageNow[pid]!, residentBytes: 0)
                told[pid] = usageNow[pid]!
            case 3:  // a move: exec, setuid, rename
                guard let pid = live.randomElement(using: &random) else { continue }
                grow(pid)
                let slots = randomSlots()
                // The ledger reads the usage only when the slots change.
                if SlotSet(joinedAt[pid]!.keys) != slots { told[pid] = usageNow[pid]! }
                for (slot, _) in joinedAt[pid]! where !slots.contains(slot) {
                    credit(pid, slot, at: usageNow[pid]!)
                    joinedAt[pid]![slot] = nil
                }
                for slot in slots where joinedAt[pid]![slot] == nil { joinedAt[pid]![slot] = usageNow[pid]! }
                ledger.place(pid, in: slots) { usageNow[pid]! }
            default:  // an exit, its record lost one time in five
                guard let pid = live.randomElement(using: &random) else { continue }
                let lost = random.next() % 5 == 0
                if !lost { grow(pid) }
                for (slot, _) in joinedAt[pid]! { credit(pid, slot, at: lost ? told[pid]! : usageNow[pid]!) }
                if !lost { ledger.recorded(record(pid, usageNow[pid]!), now: now) }
                ledger.ended(pid, status: WaitStatus(0), now: now)
                usageNow[pid] = nil
                joinedAt[pid] = nil
                told[pid] = nil
            }
            ledger.expire(now: now)
            let totals = ledger.totals()
            for slot in 0..<slotCount {
                let was = last[slot].usage
                let isNow = totals[slot].usage
                #expect(isNow.userMicroseconds >= was.userMicroseconds && isNow.systemMicroseconds >= was.systemMicroseconds
                        && isNow.writeBytes >= was.writeBytes && totals[slot].starts >= last[slot].starts
                        && totals[slot].exits.total >= last[slot].exits.total)
            }
            last = totals
        }
        for pid in Array(usageNow.keys) {
            for (slot, _) in joinedAt[pid]! { credit(pid, slot, at: usageNow[pid]!) }
            ledger.recorded(record(pid, usageNow[pid]!), now: now)
            ledger.ended(pid, status: WaitStatus(0), now: now)
        }
        ledger.expire(now: now + 2 * second)
        #expect(ledger.totals().map(\.usage) == expected)
        #expect(ledger.memberCount == 0)
    }
}

@Suite struct JoinEstimateTests {
    /// Whatever a process burned after its exec, until the daemon read it,
    /// stays counted: at most the elapsed wall time is taken off the read.
    @Test func anExecJoinRewindsByTheElapsedTime() {
        #expect(JoinEstimate.atExec(read: usage(30_000, system: 10_000, read: 5), elapsedMicroseconds: 20_000)
                == usage(15_000, system: 5_000, read: 5))
        #expect(JoinEstimate.atExec(read: usage(3_000, system: 1_000), elapsedMicroseconds: 20_000) == .zero)
        #expect(JoinEstimate.atExec(read: .zero, elapsedMicroseconds: 5) == .zero)
        #expect(JoinEstimate.atExec(read: usage(UInt64.max / 2, system: UInt64.max / 4), elapsedMicroseconds: 0)
                == usage(UInt64.max / 2, system: UInt64.max / 4))
    }
}

@Suite struct SlotSetTests {
    @Test func holdsEachSlotOnceInlineAndBeyond() {
        var set = SlotSet()
        for slot in [UInt32(5), 1, 9, 5, 3, 7, 11, 1] { set.insert(slot) }
        #expect(set.count == 6 && Set(set) == [1, 3, 5, 7, 9, 11])
        #expect(set.remove(1) && !set.remove(1) && set.remove(11))
        #expect(Set(set) == [3, 5, 7, 9] && set.count == 4)
        #expect(set == SlotSet([9, 7, 5, 3]) && set != SlotSet([9, 7, 5]))
        for slot in Array(set) { set.remove(slot) }
        #expect(set.isEmpty && set.count == 0)
    }
}
