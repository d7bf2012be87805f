import SystemPackage
import UprocKill
import UprocLinux
import UprocRules

/// A scripted process table: each PID names one process at a time; a
/// process that exits and is reaped frees its PID for a successor. Hooks
/// change the world between the signaller's steps, where real races happen.
final class FakeProcesses: ProcessAccess {
    /// One process (not one PID): what a pidfd holds.
    final class Process {
        let pid: Int32
        var identity: ProcessIdentity
        var exited = false
        var refusesSignals = false
        /// Makes the credentials ioctl fail for this process alone.
        var credentialsError: Errno?
        /// Exits when it receives a signal (but 0).
        var exitsOnSignal = true
        private(set) var received: [Int32] = []

        init(pid: Int32, identity: ProcessIdentity) {
            self.pid = pid
            self.identity = identity
        }

        func receive(_ signal: Int32) {
            received.append(signal)
            if signal != 0 && exitsOnSignal { exited = true }
        }
    }

    enum Step: Hashable {
        case open, credentials, identity, hasExited, send
    }

    /// Whether the kernel reads credentials through a pidfd (`PIDFD_GET_INFO`).
    enum Kernel: CaseIterable {
        case since6_13, before6_13
    }

    let kernel: Kernel
    /// The step at which the signaller reads a process's IDs on this kernel.
    var idsStep: Step { kernel == .since6_13 ? .credentials : .identity }

    /// What each PID names now; a reaped process is no longer here.
    private(set) var table: [Int32: Process] = [:]
    /// Every call, in order.
    private(set) var log: [(Step, Int32)] = []
    /// Run once, right after the given step for the given PID.
    var hooks: [Step: [Int32: (FakeProcesses) -> Void]] = [:]
    /// Every `open` fails with this.
    var openError: Errno?
    /// What each `/proc` read asked for, in order.
    private(set) var procReads: [RuleKeys] = []

    init(_ kernel: Kernel = .since6_13) {
        self.kernel = kernel
    }

    @discardableResult
    func start(_ pid: Int32, _ identity: ProcessIdentity) -> Process {
        let process = Process(pid: pid, identity: identity)
        table[pid] = process
        return process
    }

    /// The process `pid` names exits and is reaped; `identity`, when given,
    /// starts at once under the same PID.
    @discardableResult
    func recycle(_ pid: Int32, as identity: ProcessIdentity?) -> Process? {
        table[pid]?.exited = true
        table[pid] = nil
        return identity.map { start(pid, $0) }
    }

    private func after(_ step: Step, _ pid: Int32) {
        log.append((step, pid))
        if let hook = hooks[step]?[pid] {
            hooks[step]?[pid] = nil
            hook(self)
        }
    }

    func open(_ pid: Int32) -> Result<Process, SystemCallError> {
        defer { after(.open, pid) }
        if let openError { return .failure(SystemCallError(call: "pidfd_open", errno: openError)) }
        guard let process = table[pid] else { return .failure(SystemCallError(call: "pidfd_open", errno: .noSuchProcess)) }
        return .success(process)
    }

    /// As ProcReader: what the PID names now, only the fields `keys` asks
    /// for (the others 0 / empty), nil for a zombie.
    func identity(of pid: Int32, reading keys: RuleKeys) -> ProcessIdentity? {
        defer { after(.identity, pid) }
        procReads.append(keys)
        guard let process = table[pid], !process.exited else { return nil }
        var identity = ProcessIdentity(uid: 0, gid: 0, comm: ProcessName())
        if !keys.isDisjoint(with: .ids) {
            (identity.ruid, identity.euid) = (process.identity.ruid, process.identity.euid)
            (identity.rgid, identity.egid) = (process.identity.rgid, process.identity.egid)
        }
        if keys.contains(.cmd) { identity.comm = process.identity.comm }
        return identity
    }

    /// As PIDFD_GET_INFO: the held process's IDs, a zombie's too; ESRCH
    /// once reaped; ENOTTY before 6.13.
    func credentials(of handle: Process) -> Result<ProcessCredentials, SystemCallError> {
        defer { after(.credentials, handle.pid) }
        let failure = { (errno: Errno) in Result<ProcessCredentials, SystemCallError>.failure(SystemCallError(call: "ioctl(PIDFD_GET_INFO)", errno: errno)) }
        if kernel == .before6_13 { return failure(.inappropriateIOCTLForDevice) }
        if handle.exited && table[handle.pid] !== handle { return failure(.noSuchProcess) }
        if let error = handle.credentialsError { return failure(error) }
        let identity = handle.identity
        return .success(ProcessCredentials(ruid: identity.ruid, euid: identity.euid, rgid: identity.rgid, egid: identity.egid))
    }

    func pid(of handle: Process) -> Int32 { handle.pid }

    func hasExited(_ handle: Process) -> Bool {
        defer { after(.hasExited, handle.pid) }
        return handle.exited
    }

    func send(_ signal: Int32, to handle: Process) -> Result<Void, SystemCallError> {
        defer { after(.send, handle.pid) }
        // Reaped: the pidfd's process is gone for good.
        if handle.exited && table[handle.pid] !== handle {
            return .failure(SystemCallError(call: "pidfd_send_signal", errno: .noSuchProcess))
        }
        if handle.refusesSignals { return .failure(SystemCallError(call: "pidfd_send_signal", errno: .notPermitted)) }
        handle.receive(signal)
        return .success(())
    }

    func waitForExit(_ handles: [Process], timeoutNanoseconds: UInt64?) -> [Int] {
        handles.indices.filter { !handles[$0].exited }
    }
}

extension ProcessIdentity {
    static func user(_ uid: UInt32, _ comm: ProcessName = "sleep") -> ProcessIdentity {
        ProcessIdentity(uid: uid, gid: uid, comm: comm)
    }
}
