/// How a number the daemon keeps is shown: a field of the statistics line
/// (SIGUSR1, `stopped`; uprocd(8), STATISTICS) and a family of
/// `--metrics-file` (uprocd(8), METRICS).
struct CounterName: Sendable {
    enum Kind: Sendable {
        /// Only grows: `uproc_<family>_total`.
        case counter
        /// Goes up and down: `uproc_<family>`.
        case gauge
    }

    /// The field on the statistics line.
    let field: String
    /// The family name without the `uproc_` prefix and `_total` suffix.
    let family: String
    let kind: Kind
    let help: String
    /// Whether a change makes the metrics file due. Not CPU time, which moves
    /// in every round, nor an audit that found nothing: an idle daemon writes
    /// nothing.
    let rewritesMetrics: Bool

    init(_ field: String, family: String? = nil, _ kind: Kind = .counter, help: String, rewritesMetrics: Bool = true) {
        self.field = field
        self.family = family ?? field
        self.kind = kind
        self.help = help
        self.rewritesMetrics = rewritesMetrics
    }
}

/// A number `DaemonCounters` shows: a count a part keeps, or one read from
/// where it is kept (a UprocLinux part, the process table, the kernel).
protocol ShownCounter: AnyObject {
    var name: CounterName { get }
    /// The statistics line's value.
    var value: Int { get }
    /// The family's samples when they are not the value alone (by label,
    /// other units).
    var samples: [MetricSample]? { get }
}

extension ShownCounter {
    var samples: [MetricSample]? { nil }
}

/// A count kept by the part that counts it, declared there once with its
/// name and help. Confined to the loop thread.
final class Counter: ShownCounter {
    let name: CounterName
    private(set) var value = 0

    init(_ field: String, family: String? = nil, help: String, rewritesMetrics: Bool = true) {
        name = CounterName(field, family: family, help: help, rewritesMetrics: rewritesMetrics)
    }

    @inline(__always)
    func add(_ amount: Int = 1) { value &+= amount }
}

/// A number kept elsewhere, read each time it is shown.
final class ReadCounter: ShownCounter {
    let name: CounterName
    private let read: () -> Int
    private let readSamples: (() -> [MetricSample])?

    init(_ field: String, family: String? = nil, _ kind: CounterName.Kind = .counter, help: String,
         rewritesMetrics: Bool = true, samples: (() -> [MetricSample])? = nil, _ read: @escaping () -> Int) {
        name = CounterName(field, family: family, kind, help: help, rewritesMetrics: rewritesMetrics)
        self.read = read
        readSamples = samples
    }

    var value: Int { read() }
    var samples: [MetricSample]? { readSamples?() }
}
