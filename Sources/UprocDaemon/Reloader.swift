import UprocLinux
import UprocRules

/// Replaces the rules while the daemon runs. A config that does not compile
/// changes nothing: the files keep serving the last good rules.
final class Reloader {
    private let state: DaemonState
    private let publisher: Publisher
    private let follower: KernelFollower
    /// Told around every reload (systemd's RELOADING=1 … READY=1).
    var observers: [any ReloadObserver] = []

    init(state: DaemonState, publisher: Publisher, follower: KernelFollower) {
        self.state = state
        self.publisher = publisher
        self.follower = follower
    }

    func reload() {
        var outcome = ReloadOutcome.failed
        for observer in observers { observer.reloadStarted() }
        defer { ended(outcome) }
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: state.options.configPath)
        } catch {
            state.logger.error(
                "reload failed; keeping the previous rules",
                metadata: ["config": "\(state.options.configPath ?? DaemonOptions.defaultConfigPath)"])
            // One record: location, source line and caret stay together (one journal entry).
            state.logger.error("\(error)")
            return
        }
        for warning in loaded.warnings { state.logger.warning("\(warning)") }
        let neededBefore = state.tracker.table.usedKeys
        let change = state.tracker.replaceTable(loaded.table, republishAll: false)
        state.config = loaded
        publisher.rulesReplaced(change)
        // Facts no rule needed before were not read: read them now.
        if !neededBefore.isSuperset(of: loaded.table.usedKeys) { follower.rescan() }
        HeapTrim.releaseFreeMemory()
        state.logger.info(
            "reloaded",
            metadata: [
                "config": "\(loaded.origin)",
                "added": "\(change.added.count)",
                "removed": "\(change.removed.count)",
                "kept": "\(change.kept.count)",
            ])
        outcome = .applied
    }

    /// Counts the outcome, then tells the observers.
    private func ended(_ outcome: ReloadOutcome) {
        state.statistics.reloads.record(outcome)
        for observer in observers { observer.reloadEnded(outcome) }
    }
}
