/// A Prometheus histogram's state: observation counts per bucket (not
/// cumulative; `MetricsText` sums them), the sum and the count. Observing
/// does not allocate, so it can sit on the event path.
struct MetricsHistogram: Sendable, Equatable {
    /// Ascending, finite upper bounds, in base units; `+Inf` is implied.
    let upperBounds: [Double]
    /// One count per bound, plus one for values above the last bound.
    private(set) var bucketCounts: [UInt64]
    private(set) var sum: Double = 0
    private(set) var count: UInt64 = 0

    init(upperBounds: [Double]) {
        precondition(!upperBounds.isEmpty && zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 },
                     "bucket bounds must be ascending")
        precondition(upperBounds.allSatisfy { $0.isFinite }, "bucket bounds must be finite")
        self.upperBounds = upperBounds
        self.bucketCounts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    /// Kernel event → namespace file written, in seconds: 10 µs to 1 s,
    /// roughly ×2.5 per step (exec→listed p50 is ~15 µs, the goal p99 250 µs).
    static let eventToFileSeconds = MetricsHistogram(upperBounds: [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1,
    ])

    /// Records one value (`le` is inclusive: a value equal to a bound is in its bucket).
    mutating func observe(_ value: Double) {
        var index = 0
        while index < upperBounds.count && value > upperBounds[index] { index += 1 }
        bucketCounts[index] += 1
        sum += value
        count += 1
    }

    mutating func observe(nanoseconds: UInt64) {
        observe(Double(nanoseconds) / 1e9)
    }
}
