import UprocLinux

/// Keeps `--metrics-file` (node_exporter's textfile collector reads it):
/// after a round in which anything the file reports changed, the file is
/// rewritten atomically, at most once per `--metrics-interval`. An idle
/// daemon writes nothing. Every second a check repairs as the namespace
/// directory is repaired: a directory deleted and made again is written
/// into again, and a file someone deleted or replaced (a symlink planted in
/// its place is replaced, never followed) is written again. A clean stop
/// removes the file, if it is still the one written last (a stopped daemon
/// must not look live); after a crash `node_textfile_mtime_seconds` shows
/// its age. A part of the loop: one post handler and two timers.
final class MetricsExporter {
    private let state: DaemonState
    private let counters: DaemonCounters
    private let writer: AtomicFileWriter
    private let name: String
    private let startTime = WallClock.secondsSinceEpoch()
    private var timer: LoopTimer?
    private var checkTimer: LoopTimer?
    private var lastWrite: UInt64 = 0
    private var lastText = ""
    private var seen = Signature()
    private var failing = false
    /// The file last renamed into place: what the check expects to find,
    /// and the only file a stop removes.
    private var written: FileIdentity?
    static let checkInterval: UInt64 = 1_000_000_000

    /// Opens the file's directory (it must exist and not be the namespace
    /// directory; the file need not exist).
    init(state: DaemonState, counters: DaemonCounters, path: String) throws(DaemonError) {
        self.state = state
        self.counters = counters
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
        let checking = loop.addTimer { [unowned self] in check() }
        checking.schedule(afterNanoseconds: Self.checkInterval)
        checkTimer = checking
        loop.addPostHandler { [unowned self] in roundEnded() }
    }

    /// After every round: a change schedules a write, at once when the last
    /// one is older than the interval.
    private func roundEnded() {
        let now = Signature(state, counters)
        guard now != seen else { return }
        seen = now
        guard let timer, !timer.isScheduled else { return }
        timer.schedule(at: max(lastWrite &+ state.options.metricsInterval, MonotonicClock.nanoseconds()))
    }

    /// Writes the file now (at start, and when the timer fires); with
    /// `force` even when the text is what was written last (a repair).
    func write(force: Bool = false) {
        state.accounting?.refresh()
        seen = Signature(state, counters)
        let text = DaemonMetrics.text(state, counters, startTime: startTime)
        guard force || text != lastText else { return }
        do {
            try writer.replace(name, with: Array(text.utf8))
            written = writer.identityOfOwnFile(name)
            lastText = text
            lastWrite = MonotonicClock.nanoseconds()
            if failing {
                failing = false
                state.logger.info("metrics file written again", metadata: ["file": "\(state.options.metricsFile ?? name)"])
            }
        } catch {
            failed(error)
            timer?.schedule(afterNanoseconds: state.options.metricsInterval)
        }
    }

    /// Every second: the file's directory is still the one at its path (else
    /// the one made there is opened and written into) and the file is still
    /// the one written last (else it is written again).
    private func check() {
        defer { checkTimer?.schedule(afterNanoseconds: Self.checkInterval) }
        if !writer.directoryIsAtPath() {
            // The namespace directory holds namespace files only, whatever was made at the path.
            if let identity = FileStatus.identity(writer.directoryPath),
               identity == FileStatus.identity(state.options.directory) {
                return failed(DaemonError.metrics("\(writer.directoryPath) is the namespace directory now"))
            }
            do { try writer.reopenDirectory() } catch { return failed(error) }
            state.logger.notice("the metrics file's directory was deleted or replaced; writing into the new one",
                                metadata: ["directory": "\(writer.directoryPath)"])
            return write(force: true)
        }
        if written == nil || writer.identityOfOwnFile(name) != written { write(force: true) }
    }

    /// Said once until a write succeeds.
    private func failed(_ error: any Error) {
        if !failing {
            failing = true
            state.logger.error("cannot write the metrics file", metadata: ["error": "\(error)"])
        }
    }

    /// At a clean stop: the file, unless someone replaced it since.
    func remove() {
        if let written, writer.identityOfOwnFile(name) == written { writer.remove(name) }
    }

    /// What the file reports, in three integers: compared after every
    /// round, so the text is built only when one of them moved.
    private struct Signature: Equatable {
        var processes = 0
        var namespaces = 0
        var counted = 0
        var accounted = 0

        init() {}

        init(_ state: DaemonState, _ counters: DaemonCounters) {
            processes = state.tracker.processCount
            namespaces = state.tracker.table.namespaceCount
            counted = counters.changeSum()
            accounted = state.accounting?.changes ?? 0
        }
    }
}
