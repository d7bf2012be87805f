import UprocLinux
import UprocRules

extension Daemon {
    /// SIGHUP: recompile the rules. A config that does not compile changes
    /// nothing: the files keep serving the last good rules.
    func reload() {
        let loaded: LoadedConfig
        do {
            loaded = try ConfigLoader.load(path: options.configPath)
        } catch {
            logger.error("reload failed; keeping the previous rules", metadata: ["config": "\(options.configPath ?? DaemonOptions.defaultConfigPath)"])
            for line in "\(error)".split(separator: "\n") { logger.error("\(line)") }
            return
        }
        for warning in loaded.warnings { logger.warning("\(warning)") }
        let neededBefore = tracker.table.usedKeys
        let change = tracker.replaceTable(loaded.table, republishAll: false)
        config = loaded
        for name in change.removed { directory.remove(name) }
        publishArrival = Array(repeating: 0, count: loaded.table.namespaceCount)
        // Facts no rule needed before were not read: read them now.
        if !neededBefore.isSuperset(of: loaded.table.usedKeys) { rescan() }
        HeapTrim.releaseFreeMemory()
        logger.info(
            "reloaded",
            metadata: [
                "config": "\(loaded.origin)",
                "added": "\(change.added.count)",
                "removed": "\(change.removed.count)",
                "kept": "\(change.kept.count)",
            ])
    }
}
