import UprocLinux
import UprocRules
import UprocTracker

/// Signals the listed processes that are still members, each once, never a
/// process that took over a listed PID.
///
/// Per PID: hold the process (pidfd), read its identity, confirm through the
/// pidfd that the held process is still alive (so a `/proc` read was its
/// own, not a successor's: its PID cannot be reused while it lives; and a
/// zombie, whose credentials the kernel still gives, counts as exited),
/// check the rules, signal through the pidfd. IDs come through the pidfd
/// itself where the kernel can (Linux 6.13), else from `/proc`.
///
/// A tree namespace's member need not match its rule (a root's descendant
/// does not): it is one when it is a root, when uprocd's lineage lists it
/// in the tree (matched by PID and start time: a double-forked daemon's
/// parent is init, so `/proc` alone cannot tell), or when an ancestor
/// `/proc` shows is either (a child forked since the lineage was written).
package struct NamespaceSignaller<Access: ProcessAccess> {
    package let access: Access
    package let table: DecisionTable
    /// uprocd's lineage file, for tree namespaces; nil when not read.
    package let lineage: LineageSnapshot?

    package init(access: Access, table: DecisionTable, lineage: LineageSnapshot? = nil) {
        self.access = access
        self.table = table
        self.lineage = lineage
    }

    /// `pids` in any order, duplicates allowed; `namespaces` the named ones:
    /// a process is a member when any of their rules holds for it. `ownPID`
    /// is skipped, as pkill skips itself: signalling itself half-way would
    /// leave the rest unsignalled.
    ///
    /// `templateNames`: named namespaces a template makes (`cmd.sleep` of
    /// `cmd "*" cmd.{cmd}`): a process is a member when a template gives it
    /// that name now (for a tree template, it or an ancestor).
    package func run(pids: [Int32], namespaces: [NamespaceID], templateNames: [String] = [], signal: KillSignal, dryRun: Bool,
                    wait: Bool, timeoutNanoseconds: UInt64?, ownPID: Int32? = nil) throws(KillError) -> KillReport {
        var unique = pids.sorted()
        unique.removeDuplicates()
        if let ownPID { unique.removeAll { $0 == ownPID } }
        // comm costs a second /proc read per process: only for cmd rules and
        // the dry run's listing (a refusal reads it afterwards, see `comm`).
        let keys = dryRun ? table.usedKeys.union(.cmd) : table.usedKeys
        var outcomes: [ProcessOutcome] = []
        outcomes.reserveCapacity(unique.count)
        var held: [Access.Handle] = []
        var heldOutcomes: [Int] = []
        // Until the kernel says it cannot (then /proc for the rest of the run).
        var credentialsThroughHandle = !keys.isDisjoint(with: .ids)

        for pid in unique {
            let handle: Access.Handle
            switch access.open(pid) {
            case .success(let opened): handle = opened
            // ESRCH: no such process; EINVAL, or ENOENT on 6.18: the PID is a
            // thread of another process now (or was never a process).
            case .failure(let error) where [.noSuchProcess, .invalidArgument, .noSuchFileOrDirectory].contains(error.errno):
                outcomes.append(ProcessOutcome(pid: pid, result: .exited))
                continue
            case .failure(let error) where error.errno == .noFunction:
                throw .pidfdUnsupported
            case .failure(let error):
                outcomes.append(ProcessOutcome(pid: pid, result: .failed(error)))
                continue
            }
            guard let identity = identity(of: handle, pid, reading: keys, credentialsThroughHandle: &credentialsThroughHandle) else {
                outcomes.append(ProcessOutcome(pid: pid, result: .exited))
                continue
            }
            let knownComm = keys.contains(.cmd) ? identity.comm : nil
            let path = keys.contains(.exe) ? access.executable(of: pid) : nil
            let executable = path.map { table.executableMatches(path: $0) } ?? .none
            let member = namespaces.first(where: { table.rule($0, holdsFor: identity, executable: executable) }).map(table.name(of:))
                ?? templateNames.first(where: { templateName(of: identity, executable, path, is: $0, trees: false) })
                ?? namespaces.first(where: { table.isTree($0) && inTree($0, pid, handle, keys) }).map(table.name(of:))
                ?? templateNames.first(where: { inTemplateTree($0, pid, handle, keys) })
            guard let member else {
                outcomes.append(ProcessOutcome(pid: pid, comm: knownComm, result: .notMember))
                continue
            }
            var outcome = ProcessOutcome(pid: pid, comm: knownComm, namespace: member, result: .signalled)
            if !dryRun {
                switch access.send(signal.number, to: handle) {
                case .success:
                    if wait {
                        held.append(handle)
                        heldOutcomes.append(outcomes.count)
                    }
                case .failure(let error) where error.errno == .noSuchProcess: outcome.result = .exited
                case .failure(let error) where error.errno == .notPermitted: outcome.result = .refused(error)
                case .failure(let error): outcome.result = .failed(error)
                }
                if knownComm == nil, outcome.result != .signalled, outcome.result != .exited { outcome.comm = comm(of: handle) }
            }
            outcomes.append(outcome)
        }

        var report = KillReport(signal: signal, dryRun: dryRun, outcomes: outcomes, waited: wait && !dryRun)
        if report.waited && !held.isEmpty {
            report.stillRunning = access.waitForExit(held, timeoutNanoseconds: timeoutNanoseconds).map {
                var outcome = outcomes[heldOutcomes[$0]]
                if outcome.comm == nil { outcome.comm = comm(of: held[$0]) }
                return outcome
            }
        }
        return report
    }

    /// The held process's identity (what `keys` needs), nil once it has
    /// exited. Read after holding, confirmed after reading: see the type's
    /// comment.
    private func identity(of handle: Access.Handle, _ pid: Int32, reading keys: RuleKeys,
                          credentialsThroughHandle: inout Bool) -> ProcessIdentity? {
        if credentialsThroughHandle {
            switch access.credentials(of: handle) {
            case .success(let ids):
                var identity = ProcessIdentity(ruid: ids.ruid, euid: ids.euid, rgid: ids.rgid, egid: ids.egid, comm: ProcessName())
                if keys.contains(.cmd) || keys.contains(.loginuid) {
                    guard let read = access.identity(of: pid, reading: keys.intersection([.cmd, .loginuid])) else { return nil }
                    identity.comm = read.comm
                    identity.loginuid = read.loginuid
                }
                return access.hasExited(handle) ? nil : identity
            case .failure(let error) where Self.credentialsUnsupported(error):
                credentialsThroughHandle = false
            case .failure:
                // ESRCH: reaped, or a process the ioctl will not describe
                // (6.13 refuses one whose parent is out of sight, ppid 0):
                // /proc and the liveness check decide.
                break
            }
        }
        guard let identity = access.identity(of: pid, reading: keys), !access.hasExited(handle) else { return nil }
        return identity
    }

    /// Whether the held process `pid` descends from a root of tree `id`:
    /// the lineage lists it (or an ancestor) in the tree, matched by PID
    /// and start time, or an ancestor `/proc` shows is a root now.
    private func inTree(_ id: NamespaceID, _ pid: Int32, _ handle: Access.Handle, _ keys: RuleKeys) -> Bool {
        inTree(named: table.name(of: id), pid, handle, keys) { identity, executable, _ in
            table.rule(id, holdsFor: identity, executable: executable)
        }
    }

    /// `inTree` for a tree template's namespace `name`.
    private func inTemplateTree(_ name: String, _ pid: Int32, _ handle: Access.Handle, _ keys: RuleKeys) -> Bool {
        guard table.templates.contains(where: \.isTree) else { return false }
        return inTree(named: name, pid, handle, keys) { identity, executable, path in
            templateName(of: identity, executable, path, is: name, trees: true)
        }
    }

    /// Whether a template (a tree template, with `trees`) names the process
    /// with these facts `name`.
    private func templateName(of identity: ProcessIdentity, _ executable: ExecutableMatches, _ path: [UInt8]?, is name: String,
                              trees: Bool) -> Bool {
        var made: [UInt8] = []
        for template in table.templates.indices where table.templates[template].isTree == trees {
            if table.templateName(template, for: identity, executable: executable, path: path, into: &made),
               made.elementsEqual(name.utf8) { return true }
        }
        return false
    }

    /// The walk of `inTree`: `isRoot` tells a root from its facts.
    private func inTree(named name: String, _ pid: Int32, _ handle: Access.Handle, _ keys: RuleKeys,
                        isRoot: (ProcessIdentity, ExecutableMatches, [UInt8]?) -> Bool) -> Bool {
        var current = pid
        for depth in 0..<4096 {
            guard let (parent, start) = access.parentAndStart(of: current) else { return false }
            // The held process's start read while it lived is its own.
            if depth == 0 && access.hasExited(handle) { return false }
            if let lineage, let record = lineage.record(pid: current, start: start), lineage.record(record, isIn: name) { return true }
            if depth > 0, let identity = access.identity(of: current, reading: keys) {
                let path = keys.contains(.exe) ? access.executable(of: current) : nil
                if isRoot(identity, path.map { table.executableMatches(path: $0) } ?? .none, path) { return true }
            }
            guard parent > 0, parent != current else { return false }
            current = parent
        }
        return false
    }

    /// `PIDFD_GET_INFO` is missing: ENOTTY before 6.11, EINVAL on 6.11 and
    /// 6.12 (other pidfd ioctls, which take no argument); EOPNOTSUPP when it
    /// answered without credentials.
    private static func credentialsUnsupported(_ error: SystemCallError) -> Bool {
        [.inappropriateIOCTLForDevice, .invalidArgument, .notSupported].contains(error.errno)
    }

    /// The held process's comm for a message, nil once it has exited (the
    /// read could then be a successor's).
    private func comm(of handle: Access.Handle) -> ProcessName? {
        guard let identity = access.identity(of: access.pid(of: handle), reading: .cmd), !access.hasExited(handle) else { return nil }
        return identity.comm
    }
}

extension Array where Element: Equatable {
    /// Removes adjacent duplicates (all of them, once sorted).
    mutating func removeDuplicates() {
        guard count > 1 else { return }
        var kept = 1
        for index in 1..<count where self[index] != self[kept - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
    }
}
