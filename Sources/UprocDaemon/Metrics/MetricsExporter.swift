import UprocLinux

/// Keeps `--metrics-file` (node_exporter's textfile collector reads it):
/// after a round in which anything the file reports changed, the file is
/// rewritten atomically, at most once per `--metrics-interval`. An idle
/// daemon writes nothing. A clean stop removes the file (a stopped daemon
/// must not look live); after a crash `node_textfile_mtime_seconds` shows
/// its age. A part of the loop: one post handler and one timer.
final class MetricsExporter {
    private let state: DaemonState
    private let follower: KernelFollower
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
    init(state: DaemonState, follower: KernelFollower, path: String) throws(DaemonError) {
        self.state = state
        self.follower = follower
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
        let now = Signature(state, follower.counterSources)
        guard now != seen else { return }
        seen = now
        guard let timer, !timer.isScheduled else { return }
        timer.schedule(at: max(lastWrite &+ state.options.metricsInterval, MonotonicClock.nanoseconds()))
    }

    /// Writes the file now (at start, and when the timer fires).
    func write() {
        let sources = follower.counterSources
        seen = Signature(state, sources)
        let text = DaemonMetrics.text(sources, startTime: startTime)
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

    /// What the file reports, in three integers: compared after every
    /// round, so the text is built only when one of them moved.
    private struct Signature: Equatable {
        var processes = 0
        var namespaces = 0
        var counted = 0

        init() {}

        init(_ state: DaemonState, _ sources: CounterSources) {
            processes = state.tracker.processCount
            namespaces = state.tracker.table.namespaceCount
            counted = DaemonCounters.changeSum(sources)
        }
    }
}
