import UprocAccounts
import UprocLinux

/// Reloads the rules when a file they depend on changes: the config (each
/// file on its symlink chain), and passwd and group when the rules name
/// users or groups or the built-in default is running. The watching itself
/// is `ConfigWatcher`'s thread; this part takes its events from an eventfd
/// in the loop and debounces them: an editor's write, rename and chmod of
/// one save are one reload. A lone rename over the file (a whole new file,
/// the way editors and configuration management save) reloads at once when
/// no reload ran in the last debounce interval; anything else (a write and
/// close that may be one of several, a delete, more events) waits until the
/// burst is quiet.
final class ConfigWatch {
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
    /// When the last reload this part started ended.
    private var lastReloadEnd: UInt64 = 0

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
            warnOnlySignals("\(error)")
        }
    }

    /// Watches what the running rules depend on.
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
        var result = WatchedPaths.chain(options.configPath ?? DaemonOptions.defaultConfigPath)
        if state.config.namesAccounts || state.config.isBuiltIn, case .files(let passwd, let group) = options.accountsFiles {
            result += WatchedPaths.chain(passwd) + WatchedPaths.chain(group)
        }
        return result
    }

    private func takeEvents() {
        guard let watcher else { return }
        let batch = watcher.takeEvents()
        for problem in batch.problems {
            if problem.hasPrefix("cannot set up inotify") {
                warnOnlySignals(problem)
                stop()
                return
            }
            state.logger.warning("\(problem); its files' changes are noticed once it can be watched (SIGHUP reloads meanwhile)")
        }
        guard !batch.events.isEmpty || batch.dropped > 0 else { return }
        for event in batch.events { state.logger.debug("config watch: \(event)") }
        let now = MonotonicClock.nanoseconds()
        if firstPending == 0 && batch.dropped == 0 && batch.events.allSatisfy(\.isMovedIn)
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
        reloader.reload(trigger: "inotify")
        lastReloadEnd = MonotonicClock.nanoseconds()
    }

    private func warnOnlySignals(_ reason: String) {
        state.logger.warning(
            "cannot watch the config for changes; only SIGHUP reloads the rules",
            metadata: ["error": "\(reason)"])
    }
}
