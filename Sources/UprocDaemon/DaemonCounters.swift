import Logging
import UprocLinux

/// The daemon's counters, read where they are kept: the statistics line,
/// the metrics text and the metrics file's change check all read this one
/// list. A part declares each of its counters once; what is kept outside
/// the daemon's parts is declared here. Nothing here counts.
struct DaemonCounters {
    let all: [any ShownCounter]
    /// Also for the metrics' time of the last rules put in place.
    let reloads: ReloadCounts
    /// The counters whose change makes the metrics file due.
    private let rewriting: [any ShownCounter]

    /// Each part's counters, and what is read where it is kept: the
    /// socket's counts (`socket`), the `/proc` reader's, the process table's
    /// size and the CPU time.
    init(follower: KernelFollower, publisher: Publisher, reloader: Reloader, auditor: Auditor, systemd: SystemdReporter,
         lineage: LineageKeeper? = nil, socket: @escaping () -> ProcConnectorStatistics) {
        let state = follower.state
        let reader = follower.reader
        reloads = reloader.reloads
        all = [
            follower.events,
            ReadCounter("datagrams", help: "Netlink datagrams received from the kernel (one event or more each).") {
                socket().datagrams
            },
            ReadCounter("foreign_datagrams", help: "Datagrams from another sender than the kernel, ignored.") {
                socket().foreignDatagrams
            },
            follower.overruns,
            follower.receiveErrors,
            follower.rescans,
            ReadCounter("scan_failures", help: "Rescans and audits that could not list /proc; the files were left as they were.") {
                reader.scanFailures
            },
            ReadCounter("proc_reads", help: "Reads of one process's IDs and comm from /proc (at every exec, and to check what events cannot tell).") {
                reader.processReads
            },
            ReadCounter("proc_read_failures",
                        help: "Reads of /proc that failed or could not be parsed, for another reason than a gone process; the process stayed as it was known.") {
                reader.readFailures
            },
        ] + publisher.counters + [follower.pauses, reloader.reloads] + auditor.counters + follower.inheritance.counters + [
            follower.leaderExits.exits,
            // Zero without accounting: the line's fields do not depend on options.
            ReadCounter("accounting_samples", help: "Reads of an accounted namespace member's usage from /proc (each member every --metrics-interval).",
                        rewritesMetrics: false) { state.accounting?.samples ?? 0 },
            ReadCounter("exit_record_drops", help: "Times the kernel dropped exit records (taskstats ENOBUFS): a member whose record was lost counts its last sample.") {
                state.accounting?.recordDrops ?? 0
            },
            ReadCounter("accounting_lost_records", help: "Accounted members that ended without their exit record in time (lost): their last sample counts.") {
                state.accounting?.lostRecords ?? 0
            },
            systemd.drops,
            ReadCounter("processes", .gauge, help: "Processes (thread groups) uprocd knows.") {
                state.tracker.processCount
            },
            ReadCounter("template_refusals",
                        help: "Processes not listed in a template's namespace because --max-namespaces was reached.") {
                state.tracker.templateRefusals
            },
        ] + (lineage.map { [$0.writes] } ?? []) + [
            ReadCounter("cpu_ns", family: "cpu_seconds", help: "CPU time uprocd has used (as of the file's last write).",
                        rewritesMetrics: false,
                        samples: { [MetricSample(value: .double(Double(ProcessCPU.selfCPUNanoseconds()) / 1e9))] }) {
                Int(ProcessCPU.selfCPUNanoseconds())
            },
        ]
        rewriting = all.filter { $0.name.kind == .counter && $0.name.rewritesMetrics }
    }

    /// The statistics line's fields.
    func metadata() -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        for counter in all { metadata[counter.name.field] = "\(counter.value)" }
        return metadata
    }

    /// Every family, in the list's order.
    func write(to metrics: inout MetricsText) {
        for counter in all {
            let name = counter.name
            let samples = counter.samples ?? [MetricSample(value: .integer(UInt64(counter.value)))]
            switch name.kind {
            case .counter: metrics.counter(name.family, help: name.help, samples)
            case .gauge: metrics.gauge(name.family, help: name.help, samples)
            }
        }
    }

    /// The sum of the counters that make the metrics file due: they only
    /// grow, so the sum moves exactly when one of them does. No allocation.
    func changeSum() -> Int {
        // Through a buffer pointer: an unspecialized array iterator (debug
        // builds) allocates for each element this large.
        rewriting.withUnsafeBufferPointer { counters in
            var sum = 0
            for index in counters.indices { sum &+= counters[index].value }
            return sum
        }
    }
}
