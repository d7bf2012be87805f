/// When to stop reading the kernel's socket for a moment. In a storm of
/// process events each wake-up of the loop would carry one or two events and
/// cost more than handling them; held aside, the socket queues a batch that
/// one wake-up takes at once. The loop itself never sleeps: signals, timers
/// and the other sources are served meanwhile, and a round that runs for
/// them during a hold takes the batch early.
///
/// A burst is at least `burstWakeups` wake-ups in a row that each came
/// sooner than `quickGap` after the socket was last emptied and carried at
/// most `fewEvents` events, and that brought `burstForks` FORKs or more:
/// several processes starting at once. A process started alone forks once
/// (its further steps, an EXEC, a setpriv's UID and GID, a shell's EXEC,
/// bring none), so it is never held back, however many steps it takes.
/// The first hold lasts `firstHold`; while holds keep filling
/// at a burst's rate (more than `fewEvents` per `firstHold`), each lasts
/// twice the one before, up to `longest`; the first that fills slower ends
/// the burst.
struct BurstHold {
    /// The longest hold: `--min-interval`, at most `maximum`; 0 never holds.
    let longest: UInt64
    /// The hold in force (ns); 0 while the socket is read at once.
    private(set) var current: UInt64 = 0
    /// When the hold in force began (CLOCK_MONOTONIC ns).
    private(set) var since: UInt64 = 0
    private var quickWakeups = 0
    /// FORKs the quick wake-ups in a row brought.
    private var quickForks = 0
    /// When a drain last emptied the socket.
    private var emptiedAt: UInt64 = 0

    static let quickGap: UInt64 = 1_000_000
    static let fewEvents = 3
    static let burstWakeups = 6
    static let burstForks = 4
    static let firstHold: UInt64 = 1_000_000
    static let maximum: UInt64 = 5_000_000
    /// A round run for other work takes the batch early once the hold has
    /// lasted this long (sooner, too few events queued to tell a burst).
    static let shortestShare: UInt64 = 250_000

    init(minimumInterval: UInt64) {
        longest = min(minimumInterval, Self.maximum)
    }

    var isHolding: Bool { current != 0 }

    /// Whether a round at `now` that runs for other work should take the
    /// batch now rather than wait for the hold to end.
    func mayEndEarly(at now: UInt64) -> Bool {
        current != 0 && now &- since >= Self.shortestShare
    }

    /// The socket woke the loop at `woke`; a drain took `events`, `forks`
    /// of them FORKs, and emptied it at `now` (unless `more`: the drain's
    /// budget ran out first). Returns how long to hold the socket aside, or
    /// nil to keep reading.
    mutating func woke(at woke: UInt64, events: Int, forks: Int, more: Bool, now: UInt64) -> UInt64? {
        let quick = !more && woke &- emptiedAt < Self.quickGap && events <= Self.fewEvents
        if !more { emptiedAt = now }
        guard quick else {
            quickWakeups = 0
            quickForks = 0
            return nil
        }
        quickWakeups &+= 1
        quickForks &+= forks
        guard quickWakeups >= Self.burstWakeups, quickForks >= Self.burstForks, longest > 0 else { return nil }
        quickWakeups = 0
        quickForks = 0
        current = min(Self.firstHold, longest)
        since = now
        return current
    }

    /// A hold ended (or a round took its batch early) at `now`, and a drain
    /// took `events` queued meanwhile. Returns the next hold (0 when the
    /// drain's budget ran out with `more` queued: drain again next round),
    /// or nil when the burst is over and the socket is read at once again.
    mutating func held(events: Int, more: Bool, now: UInt64) -> UInt64? {
        if more { return 0 }
        let lasted = max(now &- since, 1)
        if UInt64(events) &* Self.firstHold > UInt64(Self.fewEvents) &* lasted {
            current = min(current &* 2, longest)
            since = now
            return current
        }
        current = 0
        quickWakeups = 0
        quickForks = 0
        emptiedAt = now
        return nil
    }
}
