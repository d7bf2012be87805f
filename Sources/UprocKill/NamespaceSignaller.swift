import UprocLinux
import UprocRules

/// Signals the listed processes that are still members, each once, never a
/// process that took over a listed PID.
///
/// Per PID: hold the process (pidfd), read its identity, confirm through the
/// pidfd that the held process is still alive (so a `/proc` read was its
/// own, not a successor's: its PID cannot be reused while it lives; and a
/// zombie, whose credentials the kernel still gives, counts as exited),
/// check the rules, signal through the pidfd. IDs come through the pidfd
/// itself where the kernel can (Linux 6.13), else from `/proc`.
package struct NamespaceSignaller<Access: ProcessAccess> {
    package let access: Access
    package let table: DecisionTable

    package init(access: Access, table: DecisionTable) {
        self.access = access
        self.table = table
    }

    /// `pids` in any order, duplicates allowed; `namespaces` the named ones:
    /// a process is a member when any of their rules holds for it. `ownPID`
    /// is skipped, as pkill skips itself: signalling itself half-way would
    /// leave the rest unsignalled.
    package func run(pids: [Int32], namespaces: [NamespaceID], signal: KillSignal, dryRun: Bool,
                    wait: Bool, timeoutNanoseconds: UInt64?, ownPID: Int32? = nil) throws(KillError) -> KillReport {
        let check = MemberCheck(table: table, namespaces: namespaces.map { .rule($0, name: table.name(of: $0)) })
        return try run(pids: pids, check: check, signal: signal, dryRun: dryRun, wait: wait,
                       timeoutNanoseconds: timeoutNanoseconds, ownPID: ownPID)
    }

    /// `run` with the members decided by `check`: rules, templates and trees.
    package func run(pids: [Int32], check: MemberCheck, signal: KillSignal, dryRun: Bool,
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
        // With trees: the members, held, to signal once all are known.
        var decided: [(Access.Handle, Int)] = []

        /// Signals a member through its handle; updates its outcome, at `index`.
        func deliver(to handle: Access.Handle, _ index: Int) {
            var outcome = outcomes[index]
            switch access.send(signal.number, to: handle) {
            case .success:
                if wait {
                    held.append(handle)
                    heldOutcomes.append(index)
                }
            case .failure(let error) where error.errno == .noSuchProcess: outcome.result = .exited
            case .failure(let error) where error.errno == .notPermitted: outcome.result = .refused(error)
            case .failure(let error): outcome.result = .failed(error)
            }
            if outcome.comm == nil, outcome.result != .signalled, outcome.result != .exited { outcome.comm = comm(of: handle) }
            outcomes[index] = outcome
        }

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
            guard let facts = facts(of: handle, pid, reading: keys, check: check, credentialsThroughHandle: &credentialsThroughHandle) else {
                outcomes.append(ProcessOutcome(pid: pid, result: .exited))
                continue
            }
            let knownComm = keys.contains(.cmd) ? facts.identity.comm : nil
            guard let member = check.member(pid, facts, reading: { ancestor(of: $0, reading: keys, check: check) }) else {
                outcomes.append(ProcessOutcome(pid: pid, comm: knownComm, result: .notMember))
                continue
            }
            outcomes.append(ProcessOutcome(pid: pid, comm: knownComm, namespace: member, result: .signalled))
            if check.hasTrees {
                // Every member is decided before the first signal: a root that
                // died first would leave its children under init, no longer
                // traceable to it.
                decided.append((handle, outcomes.count - 1))
            } else if !dryRun {
                deliver(to: handle, outcomes.count - 1)
            }
        }
        if !dryRun {
            for (handle, index) in decided {
                deliver(to: handle, index)
            }
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

    /// The held process's identity (what `keys` needs) and, for the rules
    /// that read them, its login UID, executable, parent and start time; nil
    /// once it has exited. Read after holding, confirmed after reading: see
    /// the type's comment.
    private func facts(of handle: Access.Handle, _ pid: Int32, reading keys: RuleKeys, check: MemberCheck,
                       credentialsThroughHandle: inout Bool) -> MemberCheck.Facts? {
        guard let identity = identity(of: handle, pid, reading: keys, credentialsThroughHandle: &credentialsThroughHandle) else {
            return nil
        }
        guard keys.contains(.loginuid) || keys.contains(.exe) || check.hasTrees else { return MemberCheck.Facts(identity: identity) }
        // Read after the identity was confirmed: confirmed again.
        let facts = more(of: pid, identity, reading: keys, check: check)
        return access.hasExited(handle) ? nil : facts
    }

    /// An ancestor's facts, without a pidfd: its start time read before and
    /// after tells that every read was of the same process.
    private func ancestor(of pid: Int32, reading keys: RuleKeys, check: MemberCheck) -> MemberCheck.Facts? {
        guard let before = access.parentAndStart(of: pid), let identity = access.identity(of: pid, reading: keys) else { return nil }
        var facts = more(of: pid, identity, reading: keys, check: check)
        guard let after = access.parentAndStart(of: pid), after.start == before.start else { return nil }
        facts.parent = after.parent
        facts.start = after.start
        return facts
    }

    private func more(of pid: Int32, _ identity: ProcessIdentity, reading keys: RuleKeys, check: MemberCheck) -> MemberCheck.Facts {
        var facts = MemberCheck.Facts(identity: identity)
        if keys.contains(.loginuid) { facts.identity.loginuid = access.loginUID(of: pid) ?? ProcessIdentity.unsetLoginUID }
        if keys.contains(.exe) { facts.executable = access.executable(of: pid) }
        if check.hasTrees, let lineage = access.parentAndStart(of: pid) {
            facts.parent = lineage.parent
            facts.start = lineage.start
        }
        return facts
    }

    private func identity(of handle: Access.Handle, _ pid: Int32, reading keys: RuleKeys,
                          credentialsThroughHandle: inout Bool) -> ProcessIdentity? {
        if credentialsThroughHandle {
            switch access.credentials(of: handle) {
            case .success(let ids):
                var identity = ProcessIdentity(ruid: ids.ruid, euid: ids.euid, rgid: ids.rgid, egid: ids.egid, comm: ProcessName())
                if keys.contains(.cmd) {
                    guard let read = access.identity(of: pid, reading: .cmd) else { return nil }
                    identity.comm = read.comm
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
