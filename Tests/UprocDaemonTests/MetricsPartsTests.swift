import Testing
@testable import UprocDaemon

/// The pure pieces behind `--metrics-file`.
@Suite struct MetricsPartsTests {
    @Test(arguments: [
        ([0, 3, 1, 3, 0], 2, [1, 3]),  // the largest, ties in the rules' order
        ([0, 3, 1, 3, 0], 4, [1, 3, 2, 0]),  // then empty ones, in the rules' order
        ([0, 3, 1, 3, 0], 9, [1, 3, 2, 0, 4]),
        ([5, 0], 0, []),
        ([], 3, []),
    ] as [([Int], Int, [Int])])
    func largestNamespacesFirst(counts: [Int], limit: Int, expected: [Int]) {
        #expect(DaemonMetrics.largest(counts, limit: limit) == expected)
    }

    @Test func eventsAreTimedToTheWriteThatFollowsThem() {
        var latency = EventLatency()
        latency.noted(1_000_000)
        latency.noted(1_040_000)
        latency.written(at: 1_050_000)  // 50 µs and 10 µs
        #expect(latency.histogram.count == 2)
        #expect(abs(latency.histogram.sum - 0.00006) < 1e-12)
        // Events that changed nothing are not timed to a later write.
        latency.noted(2_000_000)
        latency.forget()
        latency.written(at: 9_000_000)
        #expect(latency.histogram.count == 2)
    }

    @Test func aBurstBeyondTheBufferIsStillCounted() {
        var latency = EventLatency()
        for index in 0..<(EventLatency.capacity + 10) { latency.noted(UInt64(index)) }
        latency.written(at: UInt64(EventLatency.capacity + 10))
        #expect(latency.histogram.count == UInt64(EventLatency.capacity + 10))
    }

    @Test func theStatusLineSaysWhatSystemdShows() {
        #expect(ServiceNotify.statusText(processes: 312, namespaces: 40, drops: 0, lastReload: nil)
            == "312 processes, 40 namespaces, 0 kernel drops; no reload yet")
        #expect(ServiceNotify.statusText(processes: 1, namespaces: 2, drops: 3, lastReload: .failed)
            == "1 processes, 2 namespaces, 3 kernel drops; last reload failed, previous rules kept")
    }
}
