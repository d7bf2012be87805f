import UprocConfig
import UprocLinux
import UprocRules
import UprocTracker

/// `uproc-kill` as a library call: read the namespace files, compile the
/// rules as the daemon does, signal the members.
package enum UprocKill {
    /// Runs `request` against the real kernel and files. Throws before the
    /// first signal when a namespace, its file, the directory or the rules
    /// are unusable.
    package static func run(_ request: KillRequest) throws(KillError) -> KillReport {
        let lists = try NamespaceFiles.read(request.namespaces, directory: request.directory,
                                            callerUID: CallerProcess.effectiveUserID)
        let config: LoadedConfig
        do {
            config = try ConfigLoader.load(path: request.configPath)
        } catch {
            throw .config(error)
        }
        var namespaces: [NamespaceID] = []
        var templateNames: [String] = []
        for (name, _) in lists {
            guard let id = config.table.id(of: name) else {
                // A template's namespace (its file exists: the daemon made it).
                guard !config.table.templates.isEmpty else { throw .namespaceNotInRules(name: name, origin: config.origin) }
                if !templateNames.contains(name) { templateNames.append(name) }
                continue
            }
            if !namespaces.contains(id) { namespaces.append(id) }
        }
        // One pidfd per signalled process is held while waiting.
        if request.wait && !request.dryRun { CallerProcess.raiseOpenFileLimit() }
        let access: LiveProcessAccess
        do { access = try LiveProcessAccess() } catch { throw .procUnreadable(error) }
        // Tree members are re-checked against the lineage uprocd keeps.
        let lineage = namespaces.contains(where: config.table.isTree) || config.table.templates.contains(where: \.isTree)
            ? NamespaceFiles.readLineage(directory: request.directory, callerUID: CallerProcess.effectiveUserID) : nil
        let signaller = NamespaceSignaller(access: access, table: config.table, lineage: lineage)
        return try signaller.run(pids: lists.flatMap(\.pids), namespaces: namespaces, templateNames: templateNames, signal: request.signal,
                                 dryRun: request.dryRun, wait: request.wait,
                                 timeoutNanoseconds: request.timeoutNanoseconds, ownPID: CallerProcess.processID)
    }
}
