import Testing
@testable import UprocDaemon

/// The limiter as `ServiceNotify` drives it: every change is offered, and
/// when the timer armed for `deadline` fires, the current text is offered again.
@Suite struct StatusLimiterTests {
    let second: UInt64 = 1_000_000_000

    @Test func firstStatusGoesAtOnceAndRepeatsAreDropped() {
        var limiter = StatusLimiter()
        #expect(limiter.offer("10 processes", now: 5 * second) == "10 processes")
        #expect(limiter.offer("10 processes", now: 7 * second) == nil)
        #expect(limiter.deadline == nil)
    }

    @Test func changesWithinASecondAreHeldAndTheLatestWins() {
        var limiter = StatusLimiter()
        #expect(limiter.offer("a", now: 10 * second) == "a")
        #expect(limiter.offer("b", now: 10 * second + 100) == nil)
        #expect(limiter.offer("c", now: 10 * second + 200) == nil)
        #expect(limiter.deadline == 11 * second)
        #expect(limiter.offer("c", now: 11 * second - 1) == nil)
        #expect(limiter.offer("c", now: 11 * second) == "c")
        #expect(limiter.deadline == nil)
        #expect(limiter.offer("c", now: 13 * second) == nil)
    }

    @Test func goingBackToTheSentTextCancelsTheHeldOne() {
        var limiter = StatusLimiter()
        _ = limiter.offer("a", now: 0)
        #expect(limiter.offer("b", now: 10) == nil)
        #expect(limiter.offer("a", now: 20) == nil)
        #expect(limiter.deadline == nil)
        #expect(limiter.offer("a", now: 2 * second) == nil)
    }

    @Test func aChangeAfterTheIntervalGoesAtOnce() {
        var limiter = StatusLimiter()
        _ = limiter.offer("a", now: 0)
        #expect(limiter.offer("b", now: second) == "b")
        #expect(limiter.offer("b", now: second + 1) == nil)
    }
}
