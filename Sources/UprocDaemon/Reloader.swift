import Logging
import UprocAccounts
import UprocLinux
import UprocRules
import UprocTracker

/// Replaces the rules while the daemon runs, on SIGHUP or when the watched
/// files change. A config that does not compile, cannot be read or has no
/// rules changes nothing: the files keep serving the last good rules. Input
/// byte for byte equal to what is running is not compiled again.
final class Reloader {
    private let state: DaemonState
    private let publisher: Publisher
    private let follower: KernelFollower
    /// Called after new rules are in place: the watch follows what they depend on.
    var rulesReplaced: (() -> Void)?
    /// Told around every reload, whatever started it (systemd's RELOADING=1 … READY=1).
    var observers: [any ReloadObserver] = []

    init(state: DaemonState, publisher: Publisher, follower: KernelFollower) {
        self.state = state
        self.publisher = publisher
        self.follower = follower
    }

    /// The rules to start with; an empty config is an error unless allowed.
    static func initialConfig(options: DaemonOptions, logger: Logger) throws(DaemonError) -> LoadedConfig {
        do {
            let source = try ConfigLoader.readSource(path: options.configPath, defaultAccounts: options.accountsFiles)
            let config = try build(source, options: options, namesAccountsBefore: false)
            for warning in config.warnings { logger.warning("\(warning)") }
            logPermissionProblems(options: options, logger: logger)
            return config
        } catch {
            throw .config(error)
        }
    }

    /// Reads, compiles and applies the rules; `trigger` says why, for the log.
    func reload(trigger: String) {
        var outcome = ReloadOutcome.failed
        for observer in observers { observer.reloadStarted() }
        defer {
            ended(outcome)
            // Whatever the outcome, the config text (megabytes at 100,000 rules) was read and freed.
            state.heapTrimmer.trimSoon()
        }
        let start = ReloadMark()
        let options = state.options
        if options.configPath == "-" {
            state.logger.warning(
                "cannot reload: the rules came from standard input, which cannot be read again; restart uprocd to change them",
                metadata: ["trigger": "\(trigger)"])
            return
        }
        Self.logPermissionProblems(options: options, logger: state.logger)
        // Once running on /etc/uproc.conf, its deletion (half of a delete
        // and recreate) keeps the last rules instead of switching to the
        // built-in default; the reverse switch happens when it appears.
        let path = options.configPath ?? (state.config.isBuiltIn ? nil : DaemonOptions.defaultConfigPath)
        let loaded: LoadedConfig
        var read = start
        do {
            let source = try ConfigLoader.readSource(path: path, defaultAccounts: options.accountsFiles)
            let digest = ConfigLoader.digest(
                of: source.file, namesAccounts: state.config.namesAccounts, accounts: options.accountsFiles)
            read = ReloadMark()
            if digest == state.config.digest {
                state.logger.debug(
                    "reload skipped: the rules' input is unchanged",
                    metadata: ["trigger": "\(trigger)", "config": "\(source.file.path)"])
                outcome = .unchanged
                return
            }
            loaded = try Self.build(source, options: options, namesAccountsBefore: state.config.namesAccounts, digest: digest)
        } catch {
            // A deleted or unreadable file may be an edit in progress: a
            // warning; rules that do not compile are an error.
            let level: Logger.Level = error.outcome == "unreadable" ? .warning : .error
            state.logger.log(
                level: level,
                "reload failed; keeping the previous rules",
                metadata: [
                    "trigger": "\(trigger)",
                    "outcome": "\(error.outcome)",
                    "config": "\(path ?? StarterConfig.builtInPath)",
                ])
            // One record: the diagnostics as `uproc-check` prints them, source
            // line and caret with their location (one journal entry).
            state.logger.log(level: level, "\(error)")
            return
        }
        for warning in loaded.warnings { state.logger.warning("\(warning)") }
        apply(loaded, trigger: trigger, marks: [start, read, ReloadMark()])
        outcome = .applied
    }

    /// `marks`: when the reload started, the input was read, the rules compiled.
    private func apply(_ loaded: LoadedConfig, trigger: String, marks: [ReloadMark]) {
        var marks = marks
        let neededBefore = state.tracker.table.usedKeys
        let change = state.tracker.replaceTable(loaded.table, republishAll: false)
        state.config = loaded
        publisher.rulesReplaced(change)
        // Facts no rule needed before were not read: read them now (about
        // 0.5 s at 10,000 processes: the slow first reload was this rescan,
        // done for any new key, a gid rule after uid ones too).
        if ProcReader.readsMore(loaded.table.usedKeys, than: neededBefore) { follower.rescan() }
        // Watched before the files show the new rules: an edit that follows
        // them (of a new symlink target) must be seen.
        rulesReplaced?()
        marks.append(ReloadMark())
        // Written now, not after the round: the log line tells what changed.
        let publishesBefore = state.statistics.publishes
        publisher.publishDue()
        let written = Int(state.statistics.publishes &- publishesBefore)
        marks.append(ReloadMark())
        HeapTrim.releaseFreeMemory()
        marks.append(ReloadMark())
        // Wall and CPU time of each step, to tell a slow step from a busy machine.
        var timings: Logger.Metadata = [:]
        for (index, step) in ["read", "compile", "replace", "publish", "trim"].enumerated() {
            timings[step + "_ms"] = "\(milliseconds(marks[index + 1].wall - marks[index].wall))"
            timings[step + "_cpu_ms"] = "\(milliseconds(marks[index + 1].cpu - marks[index].cpu))"
        }
        state.logger.debug("reload timings", metadata: timings)
        state.logger.info(
            "reloaded",
            metadata: [
                "trigger": "\(trigger)",
                "outcome": "applied",
                "config": "\(loaded.origin)",
                "added": "\(change.added.count)",
                "removed": "\(change.removed.count)",
                "kept": "\(change.kept.count)",
                "changed": "\(max(0, written - change.added.count))",
                "reclassified": "\(state.tracker.processCount)",
                "ms": "\(milliseconds(marks[5].wall - marks[0].wall))",
            ])
    }

    /// Counts the outcome, then tells the observers.
    private func ended(_ outcome: ReloadOutcome) {
        state.statistics.reloads.record(outcome)
        for observer in observers { observer.reloadEnded(outcome) }
    }

    /// Compiles `source`; refuses an empty table unless allowed; computes
    /// the digest again when the new rules depend on other inputs than
    /// the running ones did.
    private static func build(
        _ source: ConfigSource, options: DaemonOptions, namesAccountsBefore: Bool, digest: ConfigDigest? = nil
    ) throws(ConfigError) -> LoadedConfig {
        var loaded = try ConfigLoader.compile(source.file, accounts: SystemAccounts())
        loaded.warnings = source.warnings + loaded.warnings
        loaded.isBuiltIn = source.isBuiltIn
        if loaded.table.namespaceCount == 0 && !options.allowEmpty { throw .empty(path: source.file.path) }
        loaded.digest =
            digest != nil && loaded.namesAccounts == namesAccountsBefore
            ? digest!
            : ConfigLoader.digest(of: source.file, namesAccounts: loaded.namesAccounts, accounts: options.accountsFiles)
        return loaded
    }

    private static func logPermissionProblems(options: DaemonOptions, logger: Logger) {
        guard case .file(let path) = RulesSource.choose(path: options.configPath), path != "-" else { return }
        for problem in ConfigPermissions.problems(chain: WatchedPaths.chain(path)) {
            logger.warning("unsafe config permissions: \(problem)")
        }
    }
}

extension ConfigError {
    /// For the reload log line.
    var outcome: String {
        switch self {
        case .unreadable: return "unreadable"
        case .invalid: return "invalid"
        case .builtInDefault: return "unreadable"
        case .empty: return "empty"
        }
    }
}

/// When a reload step ended: CLOCK_MONOTONIC and the process's CPU time (ns).
private struct ReloadMark {
    let wall = MonotonicClock.nanoseconds()
    let cpu = ProcessCPU.selfCPUNanoseconds()
}
