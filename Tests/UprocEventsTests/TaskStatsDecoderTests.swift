import Testing
import UprocEvents
import UprocRules
import UprocTestSupport

@Suite struct TaskStatsDecoderTests {
    typealias Stats = TaskStatsDatagrams.Stats

    @Test func decodesACapturedSingleThreadedExit() throws {
        let messages = decode(CapturedTaskStats.singleThreadedExit3, family: 31)
        guard case .record(let record) = try #require(messages.first), messages.count == 1 else {
            Issue.record("expected one record, got \(messages)")
            return
        }
        #expect(record.version == 16)
        #expect(record.pid == 29321 && record.tgid == 29321 && record.parentTGID == 29292)
        #expect(record.status.outcome == .failure(code: 3))
        #expect(record.comm == Comm("probe"))
        #expect(record.groupEnded && record.group == nil)
        #expect(record.task.runtimeNanoseconds == 50_026_895)
        #expect(record.task.userSampleMicroseconds == 0 && record.task.systemSampleMicroseconds == 48_000)
        #expect(record.task.highWaterResidentKiB == 304)
        #expect(record.processUsage == ResourceUsage(userMicroseconds: 0, systemMicroseconds: 48_000))
        // No tick hit user time: all of the runtime is system time.
        #expect(record.task.runtimeUsage == ResourceUsage(userMicroseconds: 0, systemMicroseconds: 50_026))
    }

    @Test func decodesTheCapturedRecordThatEndsAGroup() throws {
        let messages = decode(CapturedTaskStats.lastThreadWithGroupTotals, family: 31)
        guard case .record(let record) = try #require(messages.first), messages.count == 1 else {
            Issue.record("expected one record, got \(messages)")
            return
        }
        #expect(record.pid == 29324 && record.tgid == 29324)
        #expect(record.groupEnded)
        #expect(record.task.runtimeNanoseconds == 20_177_374)
        let group = try #require(record.group)
        #expect(group.runtimeNanoseconds == 80_202_276)
        #expect(group.userSampleMicroseconds == 4_000 && group.systemSampleMicroseconds == 88_000)
        #expect(record.processUsage == ResourceUsage(userMicroseconds: 4_000, systemMicroseconds: 88_000))
        // 80,202,276 ns split 4,000 : 88,000.
        #expect(group.runtimeUsage == ResourceUsage(userMicroseconds: 3_487, systemMicroseconds: 76_715))
    }

    /// A thread's record neither ends its process nor carries totals.
    @Test func aThreadRecordDoesNotEndItsGroup() throws {
        var stats = Stats()
        stats.pid = 501
        stats.tgid = 500
        stats.runtime = 7_000_000
        stats.writeBytes = 4096
        let record = try onlyRecord(TaskStatsDatagrams.record(family: 25, pid: 501, stats))
        #expect(record.pid == 501 && record.tgid == 500 && !record.groupEnded)
        #expect(record.processUsage.writeBytes == 4096)
    }

    /// The record of the last thread (not the leader: it may exit first)
    /// ends the group: `AGROUP`, and the totals when it had threads.
    @Test func theLastThreadEndsTheGroupWhoeverItIs() throws {
        var last = Stats()
        last.pid = 502
        last.tgid = 500
        last.flag = 0x20
        last.readBytes = 10
        last.userTime = 1_000
        var totals = Stats()
        totals.runtime = 9_000_000
        totals.userTime = 4_000
        totals.systemTime = 8_000
        let record = try onlyRecord(TaskStatsDatagrams.record(family: 25, pid: 502, last, group: (500, totals)))
        #expect(record.groupEnded && record.pid == 502 && record.tgid == 500)
        #expect(record.processUsage == ResourceUsage(userMicroseconds: 4_000, systemMicroseconds: 8_000, readBytes: 10))
    }

    /// A kernel older than taskstats version 11 sends a shorter struct with
    /// no `ac_tgid`: fields past its end read as 0; the group's ID then
    /// comes from the totals' attribute.
    @Test func anOlderShorterStructReadsAsZeroPastItsEnd() throws {
        var old = Stats()
        old.version = 8
        old.size = 328
        old.runtime = 1_000
        old.writeBytes = 77
        old.tgid = 999  // past the end: not sent
        let alone = try onlyRecord(TaskStatsDatagrams.record(family: 25, pid: 600, old))
        #expect(alone.version == 8 && alone.tgid == 0 && alone.task.writeBytes == 77 && !alone.groupEnded)
        let grouped = try onlyRecord(TaskStatsDatagrams.record(family: 25, pid: 601, old, group: (600, old)))
        #expect(grouped.tgid == 600 && grouped.groupEnded)
    }

    @Test func recordsOfAnotherFamilyOrBeforeTheFamilyIsKnownAreIgnored() {
        var stats = Stats()
        stats.pid = 7
        let bytes = TaskStatsDatagrams.record(family: 25, pid: 7, stats)
        #expect(decode(bytes, family: 26).isEmpty)
        #expect(decode(bytes, family: 0).isEmpty)
    }

    @Test func decodesTheControllersAnswerAndAcknowledgements() {
        #expect(decode(TaskStatsDatagrams.familyAnswer(id: 31), family: 0) == [.family(id: 31)])
        #expect(decode(TaskStatsDatagrams.familyAnswer(id: 31, name: "TASKSTATSX"), family: 0).isEmpty)
        #expect(decode(TaskStatsDatagrams.familyAnswer(id: 31, name: "TASK"), family: 0).isEmpty)
        #expect(decode(TaskStatsDatagrams.error(sequence: 77, errno: 1), family: 31) == [.acknowledgement(sequence: 77, error: 1)])
        #expect(decode(TaskStatsDatagrams.error(sequence: 78, errno: 0), family: 31) == [.acknowledgement(sequence: 78, error: 0)])
    }

    @Test func decodesSeveralMessagesInOneDatagram() {
        var stats = Stats()
        stats.pid = 8
        let bytes = TaskStatsDatagrams.error(sequence: 1, errno: 0) + CapturedTaskStats.singleThreadedExit3
            + TaskStatsDatagrams.record(family: 31, pid: 8, stats)
        let messages = decode(bytes, family: 31)
        #expect(messages.count == 3)
        #expect(messages.first == .acknowledgement(sequence: 1, error: 0))
    }

    @Test func truncatedDatagramsNeverTrapAndNeverYieldAPartialRecord() {
        let bytes = CapturedTaskStats.lastThreadWithGroupTotals
        for length in 0..<bytes.count {
            let messages = decode(Array(bytes.prefix(length)), family: 31)
            #expect(messages.isEmpty, "prefix \(length)")
        }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SplitMix64(seed: 0x7A5C)
        var decoded = 0
        let base = CapturedTaskStats.lastThreadWithGroupTotals
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                // Mutations of a real record reach the attribute walk.
                bytes = base
                for _ in 0..<(1 + generator.next() % 8) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            } else {
                bytes = (0..<Int(generator.next() % 700)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            }
            decoded += decode(bytes, family: 31).count
        }
        #expect(decoded > 0)
    }

    /// The registration request as the kernel parses it: a request asking
    /// for an acknowledgement, TASKSTATS_CMD_GET, one NUL-terminated
    /// REGISTER_CPUMASK attribute, padded to 4 bytes.
    @Test func buildsTheRegistrationRequest() throws {
        var bytes = [UInt8](repeating: 0xEE, count: TaskStatsRequest.capacity)
        let length = try #require(bytes.withUnsafeMutableBytes {
            TaskStatsRequest.build(into: $0, family: 31, command: TaskStatsABI.commandGet, version: 1, sequence: 9,
                                   port: 4242, attributeType: TaskStatsABI.registerCPUMask, value: Array("0-1".utf8),
                                   nulTerminated: true)
        })
        let expected: [UInt8] = [28, 0, 0, 0, 31, 0, 5, 0, 9, 0, 0, 0, 0x92, 0x10, 0, 0,
                                 1, 1, 0, 0,
                                 8, 0, 3, 0, 0x30, 0x2D, 0x31, 0]
        #expect(Array(bytes.prefix(length)) == expected)
    }

    @Test func aRequestThatDoesNotFitIsNotBuilt() {
        var bytes = [UInt8](repeating: 0, count: 32)
        let length = bytes.withUnsafeMutableBytes {
            TaskStatsRequest.build(into: $0, family: 31, command: 1, version: 1, sequence: 1, port: 1, attributeType: 3,
                                   value: Array(repeating: UInt8(ascii: "1"), count: 20), nulTerminated: true)
        }
        #expect(length == nil)
    }

    struct Split: CustomTestStringConvertible, Sendable {
        var runtime: UInt64, user: UInt64, system: UInt64
        var expected: (UInt64, UInt64)
        var testDescription: String { "\(runtime) ns at \(user):\(system)" }
    }

    /// As the kernel's `cputime_adjust`: the exact runtime in the samples'
    /// ratio, all user time when no tick hit system time, all system time
    /// when none hit user time (the truth `/proc` and `getrusage` report).
    @Test(arguments: [
        Split(runtime: 10_000_000, user: 0, system: 0, expected: (10_000, 0)),
        Split(runtime: 10_000_000, user: 4_000, system: 0, expected: (10_000, 0)),
        Split(runtime: 10_000_000, user: 0, system: 4_000, expected: (0, 10_000)),
        Split(runtime: 10_000_000, user: 1, system: 3, expected: (2_500, 7_500)),
        Split(runtime: UInt64.max / 2, user: UInt64.max / 4, system: UInt64.max / 4,
              expected: (UInt64.max / 4 / 1000, UInt64.max / 4 / 1000)),
    ])
    func splitsExactRuntimeAsTheKernelDoes(_ example: Split) {
        let split = CPUTime.split(runtimeNanoseconds: example.runtime, userSamples: example.user, systemSamples: example.system)
        #expect(split.user == example.expected.0 && split.system == example.expected.1)
    }

    /// The samples are the figure, whatever the runtime says (0 for a
    /// process that never left its CPU nor saw a tick).
    @Test func theSamplesAreTheFigure() {
        let figures = TaskStatsFigures(runtimeNanoseconds: 0, userSampleMicroseconds: 8_000, systemSampleMicroseconds: 4_000)
        #expect(figures.usage == ResourceUsage(userMicroseconds: 8_000, systemMicroseconds: 4_000))
        #expect(figures.runtimeUsage == ResourceUsage())
    }

    private func onlyRecord(_ bytes: [UInt8]) throws -> TaskExitRecord {
        let messages = decode(bytes, family: 25)
        guard messages.count == 1, case .record(let record) = messages[0] else {
            throw HarnessError("expected one record, got \(messages)")
        }
        return record
    }

    private func decode(_ bytes: [UInt8], family: UInt16) -> [TaskStatsMessage] {
        var messages: [TaskStatsMessage] = []
        bytes.withUnsafeBytes { TaskStatsDecoder.decode($0, family: family) { messages.append($0) } }
        return messages
    }
}
