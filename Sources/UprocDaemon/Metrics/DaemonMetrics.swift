import UprocRules
import UprocTracker

/// What `--metrics-file` holds: the daemon's state and counters as a
/// Prometheus text exposition (see uprocd(8), METRICS). Built from the
/// shared state on the loop thread; `MetricsExporter` writes it.
enum DaemonMetrics {
    static func text(state: DaemonState, startTime: Double) -> String {
        var metrics = MetricsText()
        let statistics = state.statistics
        let table = state.tracker.table
        metrics.gauge("start_time_seconds", help: "When uprocd started, in seconds since the Unix epoch.",
                      value: .double(startTime))
        metrics.gauge("processes", help: "Processes (thread groups) uprocd knows.",
                      value: .integer(UInt64(state.tracker.processCount)))
        metrics.gauge("namespaces", help: "Namespaces in the rules, each a file in the directory.",
                      value: .integer(UInt64(table.namespaceCount)))

        var counts: [Int] = []
        counts.reserveCapacity(table.namespaceCount)
        for index in 0..<table.namespaceCount { counts.append(state.tracker.members(of: NamespaceID(index)).count) }
        let shown = largest(counts, limit: state.options.metricsNamespaces)
        metrics.gauge(
            "namespace_processes",
            help: "Processes in a namespace (its file's lines); the \(state.options.metricsNamespaces) namespaces with the most processes at most (--metrics-namespaces).",
            shown.map { MetricSample(labels: [MetricLabel("namespace", table.name(of: NamespaceID($0)))], value: .integer(UInt64(counts[$0]))) })

        metrics.counter("events", help: "Kernel process events received, by type (threads' events included).",
                        statistics.eventTypes.byType.map { MetricSample(labels: [MetricLabel("type", $0.0)], value: .integer(UInt64($0.1))) })
        metrics.counter("kernel_drops", help: "Times the kernel dropped process events (ENOBUFS); each is followed by a /proc rescan.",
                        value: UInt64(statistics.overruns))
        metrics.counter("receive_errors", help: "Failed receives from the kernel other than drops; each is followed by a /proc rescan.",
                        value: UInt64(statistics.receiveErrors))
        metrics.counter("rescans", help: "Scans of /proc: at start, after drops and receive errors, after reloads needing new facts.",
                        value: UInt64(statistics.rescans))
        metrics.counter("reloads", help: "Reloads of the rules, by outcome (applied, unchanged, failed: previous rules kept).",
                        ReloadOutcome.allCases.map { MetricSample(labels: [MetricLabel("outcome", $0.rawValue)], value: .integer(UInt64(statistics.reloads[$0]))) })
        metrics.gauge("config_last_reload_success_timestamp_seconds",
                      help: "When rules were last put in place (at start, then each applied reload), in seconds since the Unix epoch.",
                      value: .double(statistics.reloads.lastSuccessTime))
        metrics.counter("publishes", help: "Namespace files written.", value: UInt64(statistics.publishes))
        metrics.counter("publish_failures", help: "Namespace file writes that failed (retried; the previous file stays).",
                        value: UInt64(statistics.publishFailures))
        if let latency = state.eventLatency {
            metrics.histogram("event_to_file_seconds",
                              help: "Time from a kernel event (its timestamp) to the namespace files it changed being written.",
                              latency.histogram)
        }
        return metrics.text
    }

    /// Indices of the `limit` largest counts, largest first; ties (and empty
    /// namespaces) in the order of the rules. Sorts only the non-empty ones:
    /// most of 100,000 namespaces are empty.
    static func largest(_ counts: [Int], limit: Int) -> [Int] {
        guard limit > 0 else { return [] }
        var nonEmpty = counts.indices.filter { counts[$0] > 0 }
        nonEmpty.sort { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        if nonEmpty.count >= limit { return Array(nonEmpty.prefix(limit)) }
        var result = nonEmpty
        for index in counts.indices where counts[index] == 0 {
            if result.count == limit { break }
            result.append(index)
        }
        return result
    }
}
