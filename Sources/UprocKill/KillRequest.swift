import UprocConfig

/// What `uproc-kill` was asked to do.
package struct KillRequest: Sendable {
    package var signal: KillSignal
    /// The namespaces, as named (duplicates allowed: they count once).
    package var namespaces: [String]
    /// Report what would be signalled, signal nothing.
    package var dryRun: Bool
    /// Wait until every signalled process has exited.
    package var wait: Bool
    /// With `wait`: give up after this many nanoseconds (nil: no limit).
    package var timeoutNanoseconds: UInt64?
    /// The daemon's directory of namespace files.
    package var directory: String
    /// The rules; nil: as `uprocd` finds them.
    package var configPath: String?

    package init(signal: KillSignal = .terminate, namespaces: [String], dryRun: Bool = false, wait: Bool = false,
                timeoutNanoseconds: UInt64? = nil, directory: String = DefaultPaths.directory,
                configPath: String? = nil) {
        self.signal = signal
        self.namespaces = namespaces
        self.dryRun = dryRun
        self.wait = wait
        self.timeoutNanoseconds = timeoutNanoseconds
        self.directory = directory
        self.configPath = configPath
    }
}
