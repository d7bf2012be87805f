import UprocRules
import UprocTracker

/// What `--metrics-file` holds: the daemon's state and counters as a
/// Prometheus text exposition (see uprocd(8), METRICS). Built from the
/// shared state and the counters on the loop thread; `MetricsExporter`
/// writes it.
enum DaemonMetrics {
    static func text(_ state: DaemonState, _ counters: DaemonCounters, startTime: Double) -> String {
        var metrics = MetricsText()
        let table = state.tracker.table
        metrics.gauge("start_time_seconds", help: "When uprocd started, in seconds since the Unix epoch.",
                      value: .double(startTime))
        metrics.gauge("namespaces", help: "Namespaces in the rules, each a file in the directory.",
                      value: .integer(UInt64(table.namespaceCount)))

        var counts: [Int] = []
        counts.reserveCapacity(table.namespaceCount)
        for index in 0..<table.namespaceCount { counts.append(state.tracker.members(of: NamespaceID(index)).count) }
        // Then the namespaces templates made (`cmd "*" cmd.{cmd}`), after the rules'.
        let made = table.hasExtensions ? state.tracker.dynamicNamespaces : []
        for id in made { counts.append(state.tracker.members(of: id).count) }
        func name(_ index: Int) -> String {
            index < table.namespaceCount ? table.name(of: NamespaceID(index)) : state.tracker.name(of: made[index - table.namespaceCount])
        }
        let shown = largest(counts, limit: state.options.metricsNamespaces)
        metrics.gauge(
            "namespace_processes",
            help: "Processes in a namespace (its file's lines); the \(state.options.metricsNamespaces) namespaces with the most processes at most (--metrics-namespaces).",
            shown.map { MetricSample(labels: [MetricLabel("namespace", name($0))], value: .integer(UInt64(counts[$0]))) })

        metrics.gauge("config_last_reload_success_timestamp_seconds",
                      help: "When rules were last put in place (at start, then each applied reload), in seconds since the Unix epoch.",
                      value: .double(counters.reloads.lastSuccessTime))
        counters.write(to: &metrics)
        state.accounting?.write(to: &metrics)
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
