import UprocLinux
import UprocRules

/// Signals the listed processes that are still members, each once, never a
/// process that took over a listed PID.
///
/// Per PID: hold the process (pidfd), read its identity, confirm through the
/// pidfd that the held process is still alive (so the identity read was its
/// own, not a successor's: its PID cannot be reused while it lives), check
/// the rules, signal through the pidfd.
public struct NamespaceSignaller<Access: ProcessAccess> {
    public let access: Access
    public let table: DecisionTable

    public init(access: Access, table: DecisionTable) {
        self.access = access
        self.table = table
    }

    /// `pids` in any order, duplicates allowed; `namespaces` the named ones:
    /// a process is a member when any of their rules holds for it. `ownPID`
    /// is skipped, as pkill skips itself: signalling itself half-way would
    /// leave the rest unsignalled.
    public func run(pids: [Int32], namespaces: [NamespaceID], signal: KillSignal, dryRun: Bool,
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
            // Read after holding, confirm after reading: see the type's comment.
            guard let identity = access.identity(of: pid, reading: keys), !access.hasExited(handle) else {
                outcomes.append(ProcessOutcome(pid: pid, result: .exited))
                continue
            }
            let knownComm = keys.contains(.cmd) ? identity.comm : nil
            guard let member = namespaces.first(where: { table.rule($0, holdsFor: identity) }) else {
                outcomes.append(ProcessOutcome(pid: pid, comm: knownComm, result: .notMember))
                continue
            }
            var outcome = ProcessOutcome(pid: pid, comm: knownComm, namespace: table.name(of: member), result: .signalled)
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

    /// The held process's comm for a message, nil once it has exited (the
    /// read could then be a successor's).
    private func comm(of handle: Access.Handle) -> Comm? {
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
