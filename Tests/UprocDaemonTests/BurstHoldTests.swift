import Testing
@testable import UprocDaemon

/// When the daemon sets the kernel's socket aside: never for a process
/// started alone, however many steps its start takes; at once in a storm of
/// forks, with holds that grow while the storm lasts and end with it.
@Suite struct BurstHoldTests {
    /// One wake-up of the socket: `after` ns after the previous one was
    /// handled, carrying `events` events of which `forks` are FORKs.
    struct WakeUp {
        var after: UInt64
        var events = 1
        var forks = 0
    }

    /// Feeds wake-ups (each handled in `handling` ns) and returns the holds asked for.
    static func holds(_ wakeUps: [WakeUp], _ burst: inout BurstHold, start: UInt64 = 1_000_000_000,
                      handling: UInt64 = 15_000) -> [UInt64] {
        var now = start
        var holds: [UInt64] = []
        for wakeUp in wakeUps {
            now += wakeUp.after
            let woke = now
            now += handling
            if let hold = burst.woke(at: woke, events: wakeUp.events, forks: wakeUp.forks, more: false, now: now) {
                holds.append(hold)
            }
        }
        return holds
    }

    /// How processes start, as the kernel tells it (one wake-up per event,
    /// the gaps of this machine's `posix_spawn`, `setpriv` and `sh`), then
    /// end: each started 10 ms after the previous one ended.
    static let loneStarts: [(String, [WakeUp])] = [
        ("posix_spawn", [WakeUp(after: 0, forks: 1), WakeUp(after: 150_000)]),
        ("setpriv, then sh, then the program", [
            WakeUp(after: 0, forks: 1), WakeUp(after: 150_000), WakeUp(after: 600_000), WakeUp(after: 10_000),
            WakeUp(after: 100_000), WakeUp(after: 800_000),
        ]),
        ("a sudo that forks the command", [
            WakeUp(after: 0, forks: 1), WakeUp(after: 100_000), WakeUp(after: 50_000), WakeUp(after: 50_000),
            WakeUp(after: 50_000, forks: 1), WakeUp(after: 100_000), WakeUp(after: 50_000), WakeUp(after: 50_000),
            WakeUp(after: 50_000),
        ]),
        ("all events in one wake-up", [WakeUp(after: 0, events: 6, forks: 1)]),
        ("a shell pipeline of three, not a storm either", [
            WakeUp(after: 0, forks: 1), WakeUp(after: 50_000, forks: 1), WakeUp(after: 50_000, forks: 1),
            WakeUp(after: 100_000), WakeUp(after: 50_000), WakeUp(after: 50_000),
        ]),
    ]

    @Test(arguments: loneStarts)
    func aProcessStartedAloneIsNeverHeld(_ name: String, _ start: [WakeUp]) {
        var burst = BurstHold(minimumInterval: 5_000_000)
        for _ in 0..<100 {
            var round = start
            round[0].after = 10_000_000
            round.append(WakeUp(after: 2_000_000))  // its EXIT
            #expect(Self.holds(round, &burst) == [], "\(name)")
            #expect(!burst.isHolding)
        }
    }

    /// Forks and exits every 55 µs, one wake-up each: held after a few.
    static let storm = (0..<40).map { WakeUp(after: 40_000, forks: $0 % 2 == 0 ? 1 : 0) }

    @Test func aForkStormIsHeldAndTheHoldsGrowWhileItLasts() {
        var burst = BurstHold(minimumInterval: 5_000_000)
        var now: UInt64 = 1_000_000_000
        var holds: [UInt64] = []
        for wakeUp in Self.storm {
            now += wakeUp.after
            if let hold = burst.woke(at: now, events: 1, forks: wakeUp.forks, more: false, now: now + 15_000) {
                holds.append(hold)
                break
            }
            now += 15_000
        }
        #expect(holds == [BurstHold.firstHold])
        #expect(burst.isHolding)
        // Each hold fills with ~18 events a millisecond: the next is twice as long, up to the longest.
        var next: [UInt64?] = []
        for _ in 0..<4 {
            let hold = burst.current
            now += hold
            next.append(burst.held(events: Int(hold / 55_000), more: false, now: now))
        }
        #expect(next == [2_000_000, 4_000_000, 5_000_000, 5_000_000])
        // The storm ends: the first hold that fills slowly ends the burst.
        now += burst.current
        #expect(burst.held(events: 2, more: false, now: now) == nil)
        #expect(!burst.isHolding)
        // A process started alone after it is not held.
        let after = Self.holds([WakeUp(after: 10_000_000, forks: 1), WakeUp(after: 150_000)], &burst, start: now)
        #expect(after == [])
    }

    @Test func aDrainCutShortByItsBudgetNeverStartsAHoldAndIsDrainedAgainNextRound() {
        var burst = BurstHold(minimumInterval: 5_000_000)
        var now: UInt64 = 1_000_000_000
        for _ in 0..<40 {
            now += 40_000
            #expect(burst.woke(at: now, events: 1, forks: 1, more: true, now: now + 20_000_000) == nil)
        }
        _ = Self.holds(Self.storm, &burst, start: now)
        #expect(burst.isHolding)
        #expect(burst.held(events: 5000, more: true, now: now + 30_000_000) == 0)
        #expect(burst.isHolding)
    }

    /// `--min-interval 0` (files at once) never holds; a shorter interval caps the hold.
    static let intervals: [(UInt64, [UInt64])] = [(0, []), (2_000_000, [1_000_000]), (500_000, [500_000])]

    @Test(arguments: intervals)
    func theLongestHoldIsTheMinimumInterval(_ interval: UInt64, _ expected: [UInt64]) {
        var burst = BurstHold(minimumInterval: interval)
        #expect(Array(Self.holds(Self.storm, &burst).prefix(1)) == expected)
        guard burst.isHolding else { return }
        #expect(burst.held(events: 1000, more: false, now: burst.since + burst.current) == min(interval, 2_000_000))
        #expect(burst.held(events: 1000, more: false, now: burst.since + burst.current) == interval)
    }

    /// A round run for other work takes the batch early, but not right after the hold began.
    @Test func aRoundForOtherWorkTakesTheBatchOnceTheHoldHasLastedAMoment() {
        var burst = BurstHold(minimumInterval: 5_000_000)
        #expect(!burst.mayEndEarly(at: 5_000_000_000))
        _ = Self.holds(Self.storm, &burst)
        #expect(!burst.mayEndEarly(at: burst.since + BurstHold.shortestShare - 1))
        #expect(burst.mayEndEarly(at: burst.since + BurstHold.shortestShare))
        // Taken early at a burst's rate, the burst goes on.
        let early = burst.since + 300_000
        #expect(burst.held(events: 6, more: false, now: early) == 2_000_000)
        #expect(burst.since == early)
    }
}
