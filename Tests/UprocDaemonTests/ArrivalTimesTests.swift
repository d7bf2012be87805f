import Testing
@testable import UprocDaemon

/// The rate limiter's arrival times in 4 bytes: exact to the millisecond
/// below, and an old one never holds a file back for longer than it once
/// could (wrap-around after 2^32 ms).
@Suite struct ArrivalTimesTests {
    static let millisecond: UInt64 = 1_000_000

    @Test(arguments: [0, 5, 999, 60_000, 4_294_967_295, 4_294_967_313, 1_099_511_627_776] as [UInt64])
    func anArrivalAheadReadsBackToTheMillisecondBelow(milliseconds base: UInt64) {
        var times = ArrivalTimes(count: 2, interval: 5 * Self.millisecond)
        let now = base * Self.millisecond + 123_456
        #expect(times.arrival(0, now: now) <= now + 5 * Self.millisecond, "never written: at most one interval ahead")
        let target = now + 5 * Self.millisecond + 700_000
        times.set(0, target)
        #expect(times.arrival(0, now: now) == target / Self.millisecond * Self.millisecond)
        #expect(times.arrival(0, now: target + 1) == target + 1, "once passed: now")
        #expect(times.arrival(1, now: now) <= now + 5 * Self.millisecond)
    }

    @Test(arguments: [6, 3_600_000, 4_294_967_296, 4_294_967_286, 4_295_087_296] as [UInt64])
    func anOldArrivalReadsAsPastOrAtMostOneIntervalAhead(millisecondsLater: UInt64) {
        var times = ArrivalTimes(count: 1, interval: 5 * Self.millisecond)
        let then: UInt64 = 1_000 * Self.millisecond
        times.set(0, then + 5 * Self.millisecond)
        let later = then + millisecondsLater * Self.millisecond
        let read = times.arrival(0, now: later)
        // Seen through the wrap-around it holds a file back at most one interval.
        #expect(read >= later && read <= later + 11 * Self.millisecond)
    }
}
