import Logging
import UprocLinux

/// What the counters are read from: the shared state, and the two
/// UprocLinux parts that count where the work happens (the netlink socket,
/// the `/proc` reader). A few words: built once per loop round.
struct CounterSources {
    let state: DaemonState
    let connector: ProcConnectorStatistics
    let procReadFailures: Int
}

extension KernelFollower {
    var counterSources: CounterSources {
        CounterSources(state: state, connector: connector.statistics, procReadFailures: reader.readFailures)
    }
}

/// One number of the statistics line (SIGUSR1, `stopped`) and the metric
/// family it is exported as in `--metrics-file`.
struct DaemonCounter: Sendable {
    enum Kind: Sendable {
        /// Only grows: `uproc_<family>_total`.
        case counter
        /// Goes up and down: `uproc_<family>`.
        case gauge
    }

    /// The field on the statistics line (uprocd(8), STATISTICS).
    let field: String
    /// The family name without the `uproc_` prefix and `_total` suffix (uprocd(8), METRICS).
    let family: String
    let kind: Kind
    let help: String
    /// The line's value.
    let value: @Sendable (CounterSources) -> Int
    /// The family's samples when they are not the line's value alone (by label, other units).
    let samples: (@Sendable (CounterSources) -> [MetricSample])?
    /// Whether a change makes the metrics file due. Not CPU time, which moves
    /// in every round, nor an audit that found nothing: an idle daemon writes
    /// nothing.
    let rewritesMetrics: Bool

    init(_ field: String, family: String? = nil, _ kind: Kind = .counter, help: String,
         rewritesMetrics: Bool = true, samples: (@Sendable (CounterSources) -> [MetricSample])? = nil,
         _ value: @escaping @Sendable (CounterSources) -> Int) {
        self.field = field
        self.family = family ?? field
        self.kind = kind
        self.help = help
        self.value = value
        self.samples = samples
        self.rewritesMetrics = rewritesMetrics
    }
}

/// The one list of the daemon's counters: the statistics line, the metrics
/// text and the metrics file's change check all read it.
enum DaemonCounters {
    static let all: [DaemonCounter] = [
        DaemonCounter("events", help: "Kernel process events received, by type (threads' events included).",
                      samples: { sources in
                          sources.state.statistics.eventTypes.byType.map {
                              MetricSample(labels: [MetricLabel("type", $0.0)], value: .integer(UInt64($0.1)))
                          }
                      }) { $0.state.statistics.events },
        DaemonCounter("datagrams", help: "Netlink datagrams received from the kernel (one event or more each).") {
            $0.connector.datagrams
        },
        DaemonCounter("foreign_datagrams", help: "Datagrams from another sender than the kernel, ignored.") {
            $0.connector.foreignDatagrams
        },
        DaemonCounter("overruns", family: "kernel_drops",
                      help: "Times the kernel dropped process events (ENOBUFS); each is followed by a /proc rescan.") {
            $0.state.statistics.overruns
        },
        DaemonCounter("receive_errors",
                      help: "Failed receives from the kernel other than drops; each is followed by a /proc rescan.") {
            $0.state.statistics.receiveErrors
        },
        DaemonCounter("rescans", help: "Scans of /proc: at start, after drops and receive errors, after reloads needing new facts.") {
            $0.state.statistics.rescans
        },
        DaemonCounter("scan_failures", help: "Rescans and audits that could not list /proc; the files were left as they were.") {
            $0.state.statistics.scanFailures
        },
        DaemonCounter("proc_reads", help: "Reads of one process's IDs and comm from /proc (at every exec, and to check what events cannot tell).") {
            $0.state.statistics.procReads
        },
        DaemonCounter("proc_read_failures",
                      help: "Reads of /proc that failed or could not be parsed, for another reason than a gone process; the process stayed as it was known.") {
            $0.procReadFailures
        },
        DaemonCounter("publishes", help: "Namespace files written.") { $0.state.statistics.publishes },
        DaemonCounter("publish_failures", help: "Namespace file writes that failed (retried; the previous file stays).") {
            $0.state.statistics.publishFailures
        },
        DaemonCounter("publish_deferrals",
                      help: "Rewrites of large files held back by the publishing budget; their changes were coalesced into a later rewrite.") {
            $0.state.statistics.publishDeferrals
        },
        DaemonCounter("repairs", help: "Namespace files, or the whole directory, written again because someone else deleted, moved or replaced them.") {
            $0.state.statistics.repairs
        },
        DaemonCounter("pauses", help: "Times uprocd stopped reading kernel events for a moment (at most 5 ms) in a storm, so that one wake-up handles many (--min-interval).") {
            $0.state.statistics.pauses
        },
        DaemonCounter("reloads", help: "Reloads of the rules, by outcome (applied, unchanged, failed: previous rules kept).",
                      samples: { sources in
                          ReloadOutcome.allCases.map {
                              MetricSample(labels: [MetricLabel("outcome", $0.rawValue)],
                                           value: .integer(UInt64(sources.state.statistics.reloads[$0])))
                          }
                      }) { $0.state.statistics.reloads.total },
        DaemonCounter("audits", help: "Audits of the process table against /proc (--audit-interval), as of the file's last write.",
                      rewritesMetrics: false) {
            $0.state.statistics.audits
        },
        DaemonCounter("drift", help: "PIDs the audits found listed wrongly and corrected: a bug or a lost event.") {
            $0.state.statistics.drift
        },
        DaemonCounter("inheritance_checks", help: "Inherited identities read from /proc once their window passed.") {
            $0.state.statistics.inheritanceChecks
        },
        DaemonCounter("inheritance_corrections", help: "Inherited identities found wrong when checked, and corrected.") {
            $0.state.statistics.inheritanceCorrections
        },
        DaemonCounter("leader_exits", help: "Leader threads that exited while other threads of their process ran.") {
            $0.state.statistics.leaderExits
        },
        DaemonCounter("notify_drops",
                      help: "Messages to systemd's NOTIFY_SOCKET dropped because its queue was full (nobody read it) or the send failed.") {
            $0.state.statistics.notifyDrops
        },
        DaemonCounter("processes", .gauge, help: "Processes (thread groups) uprocd knows.") {
            $0.state.tracker.processCount
        },
        DaemonCounter("cpu_ns", family: "cpu_seconds", help: "CPU time uprocd has used (as of the file's last write).",
                      rewritesMetrics: false,
                      samples: { _ in [MetricSample(value: .double(Double(ProcessCPU.selfCPUNanoseconds()) / 1e9))] }) { _ in
            Int(ProcessCPU.selfCPUNanoseconds())
        },
    ]

    /// The statistics line's fields.
    static func metadata(_ sources: CounterSources) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        for counter in all { metadata[counter.field] = "\(counter.value(sources))" }
        return metadata
    }

    /// Every family, in the list's order.
    static func write(_ sources: CounterSources, to metrics: inout MetricsText) {
        for counter in all {
            let samples = counter.samples?(sources) ?? [MetricSample(value: .integer(UInt64(counter.value(sources))))]
            switch counter.kind {
            case .counter: metrics.counter(counter.family, help: counter.help, samples)
            case .gauge: metrics.gauge(counter.family, help: counter.help, samples)
            }
        }
    }

    /// The sum of the counters that make the metrics file due: they only
    /// grow, so the sum moves exactly when one of them does. No allocation.
    static func changeSum(_ sources: CounterSources) -> Int {
        // Through a buffer pointer: an unspecialized array iterator (debug
        // builds) allocates for each element this large.
        all.withUnsafeBufferPointer { counters in
            var sum = 0
            for index in counters.indices where counters[index].kind == .counter && counters[index].rewritesMetrics {
                sum &+= counters[index].value(sources)
            }
            return sum
        }
    }
}
