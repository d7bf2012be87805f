import UprocLinux

/// How a reload ended, for systemd's `STATUS=` and the metrics' `outcome` label.
enum ReloadOutcome: String, CaseIterable, Sendable {
    /// New rules are in place.
    case applied
    /// The rules' input was byte for byte what is running: nothing to do.
    case unchanged
    /// The config could not be read or compiled: the previous rules stay.
    case failed
}

/// Told around every reload, whatever started it (SIGHUP, a file change):
/// systemd wants `RELOADING=1` before and `READY=1` after.
protocol ReloadObserver: AnyObject {
    func reloadStarted()
    func reloadEnded(_ outcome: ReloadOutcome)
}

/// Reloads by outcome and when rules were last put in place, for the
/// statistics, the metrics and the status line.
final class ReloadCounts: ShownCounter {
    let name = CounterName("reloads", help: "Reloads of the rules, by outcome (applied, unchanged, failed: previous rules kept).")
    private(set) var byOutcome: [ReloadOutcome: Int] = [:]
    /// The last reload's outcome; nil before the first reload.
    private(set) var last: ReloadOutcome?
    /// CLOCK_REALTIME seconds when rules were last put in place: the start's
    /// load, then each applied reload.
    private(set) var lastSuccessTime = WallClock.secondsSinceEpoch()

    private(set) var total = 0

    subscript(outcome: ReloadOutcome) -> Int { byOutcome[outcome, default: 0] }

    func record(_ outcome: ReloadOutcome) {
        byOutcome[outcome, default: 0] += 1
        total += 1
        last = outcome
        if outcome == .applied { lastSuccessTime = WallClock.secondsSinceEpoch() }
    }

    var value: Int { total }

    var samples: [MetricSample]? {
        ReloadOutcome.allCases.map {
            MetricSample(labels: [MetricLabel("outcome", $0.rawValue)], value: .integer(UInt64(self[$0])))
        }
    }
}
