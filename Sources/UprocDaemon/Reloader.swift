import Logging
import UprocAccounts
import UprocConfig
import UprocLinux
import UprocRules
import UprocTracker

/// What started a reload, for the log.
enum ReloadTrigger: String, Sendable {
    case signal = "SIGHUP"
    /// A watched file changed, or the watches were set up and the files
    /// may have changed unseen.
    case inotify
}

/// Replaces the rules while the daemon runs, on SIGHUP or when the watched
/// files change. A config that does not compile, cannot be read or has no
/// rules changes nothing: the files keep serving the last good rules. Input
/// byte for byte equal to what is running is not compiled again, nor, when
/// a file change (not SIGHUP) asks, input equal to what failed last.
final class Reloader {
    let reloads = ReloadCounts()

    private let state: DaemonState
    private let publisher: Publisher
    private let follower: KernelFollower
    /// Called when what the rules depend on may have changed (new rules,
    /// a failed candidate, a failure undone): the watch follows it.
    var dependenciesChanged: (() -> Void)?
    /// Told around every reload, whatever started it (systemd's RELOADING=1 … READY=1).
    var observers: [any ReloadObserver] = []
    /// The input of the last reload, when it failed.
    private var failed: FailedInput?

    /// A config that failed to load, to tell when it changed.
    private struct FailedInput {
        /// Of its bytes and, when it names accounts, the accounts files';
        /// nil when it could not be read.
        var digest: ConfigDigest?
        /// Why it could not be read.
        var unreadable: String?
        var namesAccounts: Bool
    }

    init(state: DaemonState, publisher: Publisher, follower: KernelFollower) {
        self.state = state
        self.publisher = publisher
        self.follower = follower
    }

    /// Whether the config that failed last names users or groups: then
    /// passwd and group are watched for it too (the user it names may be
    /// added next).
    var failedConfigNamesAccounts: Bool { failed?.namesAccounts ?? false }

    /// The rules to start with; an empty config is an error unless allowed.
    static func initialConfig(options: DaemonOptions, logger: Logger) throws(DaemonError) -> LoadedConfig {
        do {
            let source = try ConfigLoader.readSource(path: options.configPath, defaultAccounts: options.accountsFiles)
            let config = try build(source, options: options, accounts: RecordingAccounts(accounts(options)))
            for warning in config.warnings { logger.warning("\(warning)") }
            logPermissionProblems(options: options, logger: logger)
            return config
        } catch {
            throw .config(error)
        }
    }

    /// Who knows the names in rules: NSS, or the files `--accounts-files` gave.
    private static func accounts(_ options: DaemonOptions) -> any AccountResolver {
        if options.accountsFiles != .systemFiles, case .files(let passwd, let group) = options.accountsFiles {
            return FileAccounts(passwd: passwd, group: group)
        }
        return SystemAccounts()
    }

    /// Reads, compiles and applies the rules; `trigger` says why, for the
    /// log. `onlyIfChanged`: the watches were just set up, and input equal
    /// to what runs is no news (nothing logged, no reload counted).
    func reload(trigger: ReloadTrigger, onlyIfChanged: Bool = false) {
        // Whatever the outcome, the config text (megabytes at 100,000 rules) was read and freed.
        defer { state.heapTrimmer.trimSoon() }
        let start = ReloadMark()
        let options = state.options
        if options.configPath == "-" {
            began()
            state.logger.warning(
                "cannot reload: the rules came from standard input, which cannot be read again; restart uprocd to change them",
                metadata: ["trigger": "\(trigger.rawValue)"])
            ended(.failed)
            return
        }
        if !onlyIfChanged { Self.logPermissionProblems(options: options, logger: state.logger) }
        // Once running on /etc/uproc.conf, its deletion (half of a delete
        // and recreate) keeps the last rules instead of switching to the
        // built-in default; the reverse switch happens when it appears.
        let path = options.configPath ?? (state.config.isBuiltIn ? nil : DefaultPaths.config)
        let shownPath = path ?? StarterConfig.builtInPath
        let source: ConfigSource
        do {
            source = try ConfigLoader.readSource(path: path, defaultAccounts: options.accountsFiles)
        } catch {
            // The same unreadable file again, seen by the watch: said already.
            if trigger != .signal, let failed, failed.unreadable == "\(error)" {
                state.logger.debug("reload skipped: the config is still unreadable", metadata: ["trigger": "\(trigger.rawValue)"])
                return
            }
            began()
            fail(error, trigger: trigger, path: shownPath, input: FailedInput(
                digest: nil, unreadable: "\(error)", namesAccounts: failed?.namesAccounts ?? false))
            return
        }
        let digest = ConfigLoader.digest(of: source.file, namesAccounts: state.config.namesAccounts, accounts: options.accountsFiles)
        let read = ReloadMark()
        if digest == state.config.digest {
            let metadata: Logger.Metadata = ["trigger": "\(trigger.rawValue)", "config": "\(source.file.path)"]
            if failed != nil {
                // Back to the running rules after a failure: the journal's
                // last word on the config must not be that error.
                failed = nil
                began()
                state.logger.info("config valid again; rules unchanged", metadata: metadata)
                ended(.unchanged)
                dependenciesChanged?()
            } else if onlyIfChanged {
                state.logger.debug("the rules' input is unchanged since it was loaded", metadata: metadata)
            } else {
                began()
                // Asked for by SIGHUP: say so; an editor's extra events are no news.
                state.logger.log(level: trigger == .signal ? .info : .debug, "reload skipped: the rules' input is unchanged", metadata: metadata)
                ended(.unchanged)
            }
            return
        }
        if trigger != .signal, let failed, let failedDigest = failed.digest {
            let again = failed.namesAccounts == state.config.namesAccounts
                ? digest : ConfigLoader.digest(of: source.file, namesAccounts: failed.namesAccounts, accounts: options.accountsFiles)
            if again == failedDigest {
                state.logger.debug("reload skipped: the input that failed is unchanged", metadata: ["trigger": "\(trigger.rawValue)"])
                return
            }
        }
        began()
        let recording = RecordingAccounts(Self.accounts(options))
        let loaded: LoadedConfig
        do {
            loaded = try Self.build(source, options: options, accounts: recording, namesAccountsBefore: state.config.namesAccounts, digest: digest)
        } catch {
            let namesAccounts = recording.wasAsked
            fail(error, trigger: trigger, path: shownPath, input: FailedInput(
                digest: ConfigLoader.digest(of: source.file, namesAccounts: namesAccounts, accounts: options.accountsFiles),
                namesAccounts: namesAccounts))
            return
        }
        for warning in loaded.warnings { state.logger.warning("\(warning)") }
        failed = nil
        apply(loaded, trigger: trigger, marks: [start, read, ReloadMark()])
        ended(.applied)
    }

    /// Logs a reload that changed nothing, remembers its input, ends it.
    private func fail(_ error: ConfigError, trigger: ReloadTrigger, path: String, input: FailedInput) {
        // A deleted or unreadable file may be an edit in progress: a
        // warning; rules that do not compile are an error.
        let level: Logger.Level = error.outcome == "unreadable" ? .warning : .error
        state.logger.log(
            level: level,
            "reload failed; keeping the previous rules",
            metadata: [
                "trigger": "\(trigger.rawValue)",
                "outcome": "\(error.outcome)",
                "config": "\(path)",
            ])
        // One record: the diagnostics as `uproc-check` prints them, source
        // line and caret with their location (one journal entry).
        state.logger.log(level: level, "\(error)")
        let namedAccounts = failedConfigNamesAccounts
        failed = input
        ended(.failed)
        if input.namesAccounts != namedAccounts { dependenciesChanged?() }
    }

    /// `marks`: when the reload started, the input was read, the rules compiled.
    private func apply(_ loaded: LoadedConfig, trigger: ReloadTrigger, marks: [ReloadMark]) {
        var marks = marks
        let neededBefore = state.tracker.table.usedKeys
        let hadTrees = state.tracker.table.hasTrees
        let change = state.tracker.replaceTable(loaded.table, republishAll: false)
        state.config = loaded
        publisher.rulesReplaced(change)
        // Facts no rule needed before were not read: read them now. A rescan
        // costs about 0.5 s at 10,000 processes, so only a table that needs
        // more than was read (ID rules after cmd-only ones, any rule after
        // none) pays for one.
        if ProcReader.readsMore(loaded.table.usedKeys, than: neededBefore) {
            follower.rescan()
        } else if loaded.table.hasTrees && !hadTrees {
            follower.adoptParents()
        }
        // The first tree rules know the lineage of what runs from /proc only.
        if loaded.table.hasTrees && !hadTrees { follower.logIncompleteTrees(reason: "first_tree_rule") }
        state.accounting?.rulesReplaced()
        // Watched before the files show the new rules: an edit that follows
        // them (of a new symlink target) must be seen.
        dependenciesChanged?()
        marks.append(ReloadMark())
        // Written now, not after the round: the log line tells what changed.
        let publishesBefore = publisher.filesWritten
        publisher.publishDue()
        let written = publisher.filesWritten &- publishesBefore
        marks.append(ReloadMark())
        Malloc.releaseFreeMemory()
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
                "trigger": "\(trigger.rawValue)",
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

    private func began() {
        for observer in observers { observer.reloadStarted() }
    }

    /// Counts the outcome, then tells the observers.
    private func ended(_ outcome: ReloadOutcome) {
        reloads.record(outcome)
        for observer in observers { observer.reloadEnded(outcome) }
    }

    /// Compiles `source`; refuses an empty table unless allowed; computes
    /// the digest again when the new rules depend on other inputs than
    /// the running ones did.
    private static func build(
        _ source: ConfigSource, options: DaemonOptions, accounts: RecordingAccounts, namesAccountsBefore: Bool = false,
        digest: ConfigDigest? = nil
    ) throws(ConfigError) -> LoadedConfig {
        var loaded = try ConfigLoader.compile(source, accounts: accounts, maxNamespaces: options.maxNamespaces)
        // A config of cmd or exe templates alone has no namespace until a process makes one: not empty.
        if loaded.table.namespaceCount == 0 && loaded.table.templates.isEmpty && !options.allowEmpty {
            throw .empty(path: source.file.path)
        }
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
