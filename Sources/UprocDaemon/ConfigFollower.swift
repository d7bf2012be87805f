import UprocAccounts
import UprocConfig
import UprocLinux

/// Reloads the rules when a file they depend on changes: the config (and
/// every directory and symlink on the way to it), and passwd and group when
/// the rules name users or groups, the config that failed last does, or the
/// built-in default is running. The watching itself is `ConfigWatcher`'s
/// thread; this part takes its events from an eventfd in the loop and
/// debounces them: an editor's write, rename and chmod of one save are one
/// reload. A lone rename over the file (a whole new file, the way editors
/// and configuration management save) reloads at once when no reload ran
/// in the last debounce interval; anything else (a write and close that may
/// be one of several, a delete, more events) waits until the burst is
/// quiet. Whenever the watches are set up (at start, after a directory on
/// the way changed, after a limit stopped them), the files are compared
/// with what was loaded: an edit saved while nothing watched still applies.
final class ConfigFollower {
    /// Quiet time after the last event before reloading.
    static let debounceNanoseconds: UInt64 = 30_000_000
    /// A steady stream of events still reloads this soon after its first.
    static let maximumDelayNanoseconds: UInt64 = 250_000_000

    private let state: DaemonState
    private let reloader: Reloader
    private var watcher: ConfigWatcher?
    private var timer: LoopTimer?
    /// When the first event of the pending burst arrived; 0 when none is pending.
    private var firstPending: UInt64 = 0
    /// A file changed (not only the watches set up) since the last reload.
    private var changePending = false
    /// When the last reload this part started ended.
    private var lastReloadEnd: UInt64 = 0
    /// The watches could not be set up, and the log said so.
    private var unwatched = false

    init(state: DaemonState, reloader: Reloader) {
        self.state = state
        self.reloader = reloader
    }

    /// Starts the watcher thread (after the signal mask is set). Without
    /// inotify the daemon keeps running: only SIGHUP reloads.
    func attach(to loop: EventLoop) {
        guard state.options.configPath != "-" else { return }  // standard input is read once
        timer = loop.addTimer { [unowned self] in reload() }
        do {
            let watcher = try ConfigWatcher()
            try loop.addReader(watcher.wakeUp.fileDescriptor) { [unowned self] in takeEvents() }
            self.watcher = watcher
            followRules()
            try watcher.start()
        } catch {
            watcher = nil
            warnOnlySignals("\(error)", retried: false)
        }
    }

    /// Watches what the running rules (and a failed candidate) depend on.
    func followRules() {
        watcher?.watch(paths)
    }

    /// Ends the watcher thread.
    func stop() {
        watcher?.stop()
        watcher = nil
    }

    /// The files whose changes reload the rules.
    var paths: [String] {
        let options = state.options
        // Without -c, /etc/uproc.conf appearing or going switches between
        // it and the built-in default.
        var result = [options.configPath ?? DefaultPaths.config]
        let namesAccounts = state.config.namesAccounts || state.config.isBuiltIn || reloader.failedConfigNamesAccounts
        if namesAccounts, case .files(let passwd, let group) = options.accountsFiles {
            result += [passwd, group]
        }
        return result
    }

    private func takeEvents() {
        guard let watcher else { return }
        let batch = watcher.takeEvents()
        for problem in batch.problems {
            // Tried again every second: said once until it works.
            if unwatched {
                state.logger.debug("config watch: \(problem)")
            } else {
                warnOnlySignals("\(problem)", retried: true)
                unwatched = true
            }
        }
        if batch.established {
            if unwatched {
                state.logger.info("watching the config for changes again")
                unwatched = false
            }
            state.logger.debug("watching the files the rules depend on", metadata: ["files": "\(paths)"])
        }
        guard !batch.events.isEmpty || batch.dropped > 0 || batch.established else { return }
        for event in batch.events { state.logger.debug("config watch: \(event)") }
        // Events the kernel lost are for the compare to find.
        if batch.dropped > 0 || batch.events.contains(where: { $0.kind == .changed }) { changePending = true }
        let now = MonotonicClock.nanoseconds()
        if firstPending == 0 && !batch.established && batch.dropped == 0 && !batch.events.isEmpty && batch.events.allSatisfy(\.isMovedIn)
            && now &- lastReloadEnd >= Self.debounceNanoseconds
        {
            reload()
            return
        }
        if firstPending == 0 { firstPending = now }
        timer?.schedule(at: min(now &+ Self.debounceNanoseconds, firstPending &+ Self.maximumDelayNanoseconds))
    }

    private func reload() {
        firstPending = 0
        timer?.cancel()
        // Only the watches set up: compared, and quiet when nothing changed.
        let onlyCompare = !changePending
        changePending = false
        reloader.reload(trigger: .inotify, onlyIfChanged: onlyCompare)
        lastReloadEnd = MonotonicClock.nanoseconds()
    }

    private func warnOnlySignals(_ reason: String, retried: Bool) {
        state.logger.warning(
            retried
                ? "cannot watch the config for changes; until it can (tried every second), only SIGHUP reloads the rules"
                : "cannot watch the config for changes; only SIGHUP reloads the rules",
            metadata: ["error": "\(reason)"])
    }
}
