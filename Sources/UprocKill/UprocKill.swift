import UprocConfig
import UprocLinux
import UprocRules

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
        var namespaces: [MemberCheck.Namespace] = []
        for (name, _) in lists where !namespaces.contains(where: { $0.name == name }) {
            if let id = config.table.id(of: name) {
                namespaces.append(.rule(id, name: name))
            } else if !config.table.templates.isEmpty {
                // A name a template makes while it has members (`cmd.sleep`).
                namespaces.append(.template(name: name))
            } else {
                throw .namespaceNotInRules(name: name, origin: config.origin)
            }
        }
        var check = MemberCheck(table: config.table, namespaces: namespaces)
        if check.hasTrees {
            check = MemberCheck(table: config.table, namespaces: namespaces,
                                lineage: NamespaceFiles.lineage(directory: request.directory, callerUID: CallerProcess.effectiveUserID))
        }
        // One pidfd per signalled process is held while waiting, and with
        // trees from the check to the signal.
        if (request.wait && !request.dryRun) || check.hasTrees { CallerProcess.raiseOpenFileLimit() }
        let access: LiveProcessAccess
        do { access = try LiveProcessAccess() } catch { throw .procUnreadable(error) }
        let signaller = NamespaceSignaller(access: access, table: config.table)
        return try signaller.run(pids: lists.flatMap(\.pids), check: check, signal: request.signal,
                                 dryRun: request.dryRun, wait: request.wait,
                                 timeoutNanoseconds: request.timeoutNanoseconds, ownPID: CallerProcess.processID)
    }
}
