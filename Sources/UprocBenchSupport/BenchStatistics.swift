/// Order statistics over measured durations, for the benchmark summaries.
package struct BenchSummary: Hashable, Sendable {
    package var count: Int
    package var minimum: UInt64
    package var p50: UInt64
    package var p90: UInt64
    package var p99: UInt64
    package var maximum: UInt64
    package var mean: UInt64

    /// Nearest-rank percentiles (the value below which `p` % of samples lie,
    /// never interpolated, so every figure is one that was measured).
    /// `nil` for no samples.
    package init?(_ samples: [UInt64]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func rank(_ percent: Int) -> UInt64 {
            let index = (percent * sorted.count + 99) / 100 - 1
            return sorted[max(0, min(sorted.count - 1, index))]
        }
        count = sorted.count
        minimum = sorted[0]
        p50 = rank(50)
        p90 = rank(90)
        p99 = rank(99)
        maximum = sorted[sorted.count - 1]
        mean = sorted.reduce(0, &+) / UInt64(sorted.count)
    }
}

/// Fixed-point formatting without Foundation.
package enum BenchFormat {
    /// `nanoseconds` as microseconds with one decimal: 12_345 → "12.3".
    package static func microseconds(_ nanoseconds: UInt64) -> String {
        let tenths = (nanoseconds + 50) / 100
        return "\(tenths / 10).\(tenths % 10)"
    }
}
