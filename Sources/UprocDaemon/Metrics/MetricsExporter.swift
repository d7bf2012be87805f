import UprocLinux

/// Keeps `--metrics-file` (node_exporter's textfile collector reads it):
/// after a round in which anything the file reports changed, the file is
/// rewritten atomically, at most once per `--metrics-interval`. An idle
/// daemon writes nothing. A clean stop removes the file (a stopped daemon
/// must not look live); after a crash `node_textfile_mtime_seconds` shows
/// its age. A part of the loop: one post handler and one timer.
final class MetricsExporter {
    private let state: DaemonState
    private let writer: AtomicFileWriter
    private let name: String
    private let startTime = WallClock.secondsSinceEpoch()
    private var timer: LoopTimer?
    private var lastWrite: UInt64 = 0
    private var lastText = ""
    private var seen = Signature()
    private var failing = false

    /// Opens the file's directory (it must exist and not be the namespace
    /// directory; the file need not exist).
    init(state: DaemonState, path: String) throws(DaemonError) {
        self.state = state
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // The namespace directory holds namespace files only (readers list it).
        if let identity = FileStatus.identity(directory), identity == FileStatus.identity(state.options.directory) {
            throw .metrics("\(path) is in the namespace directory \(state.options.directory)")
        }
        do {
            writer = try AtomicFileWriter(directory: directory, mode: 0o644)
        } catch {
            throw .metrics("\(error)")
        }
    }

    func attach(to loop: EventLoop) {
        timer = loop.addTimer { [unowned self] in write() }
        loop.addPostHandler { [unowned self] in roundEnded() }
    }

    /// After every round: a change schedules a write, at once when the last
    /// one is older than the interval.
    private func roundEnded() {
        let now = Signature(state)
        guard now != seen else { return }
        seen = now
        guard let timer, !timer.isScheduled else { return }
        timer.schedule(at: max(lastWrite &+ state.options.metricsInterval, MonotonicClock.nanoseconds()))
    }

    /// Writes the file now (at start, and when the timer fires).
    func write() {
        seen = Signature(state)
        let text = DaemonMetrics.text(state: state, startTime: startTime)
        guard text != lastText else { return }
        do {
            try writer.replace(name, with: Array(text.utf8))
            lastText = text
            lastWrite = MonotonicClock.nanoseconds()
            if failing {
                failing = false
                state.logger.info("metrics file written again", metadata: ["file": "\(state.options.metricsFile ?? name)"])
            }
        } catch {
            if !failing {
                failing = true
                state.logger.error("cannot write the metrics file", metadata: ["error": "\(error)"])
            }
            timer?.schedule(afterNanoseconds: state.options.metricsInterval)
        }
    }

    /// At a clean stop.
    func remove() { writer.remove(name) }

    /// What the file reports, in a few integers: compared after every
    /// round, so the text is built only when one of them moved.
    private struct Signature: Equatable {
        var processes = 0
        var namespaces = 0
        var events = EventCounts()
        var overruns = 0
        var receiveErrors = 0
        var rescans = 0
        var reloads = 0
        var publishes = 0
        var publishFailures = 0

        init() {}

        init(_ state: DaemonState) {
            let statistics = state.statistics
            processes = state.tracker.processCount
            namespaces = state.tracker.table.namespaceCount
            events = statistics.eventTypes
            overruns = statistics.overruns
            receiveErrors = statistics.receiveErrors
            rescans = statistics.rescans
            reloads = statistics.reloads.total
            publishes = statistics.publishes
            publishFailures = statistics.publishFailures
        }
    }
}
