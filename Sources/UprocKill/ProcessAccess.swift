import UprocLinux
import UprocRules

/// The kernel operations a kill needs, in the order it uses them; tests
/// substitute a scripted process table.
package protocol ProcessAccess {
    associatedtype Handle
    /// Holds the process `pid` names now (`pidfd_open`).
    func open(_ pid: Int32) -> Result<Handle, SystemCallError>
    /// The identity `/proc/PID` shows now; nil when gone or a zombie.
    func identity(of pid: Int32, reading keys: RuleKeys) -> ProcessIdentity?
    /// The held process's IDs, read through the handle (`PIDFD_GET_INFO`,
    /// Linux 6.13): never a successor's, but a zombie's too. ESRCH once it
    /// has been reaped; ENOTTY, EINVAL or EOPNOTSUPP when the kernel cannot.
    func credentials(of handle: Handle) -> Result<ProcessCredentials, SystemCallError>
    /// The PID the handle was opened for.
    func pid(of handle: Handle) -> Int32
    /// Whether the held process has exited.
    func hasExited(_ handle: Handle) -> Bool
    func send(_ signal: Int32, to handle: Handle) -> Result<Void, SystemCallError>
    /// Waits until every held process has exited or the time is up; the
    /// indices of those still running.
    func waitForExit(_ handles: [Handle], timeoutNanoseconds: UInt64?) -> [Int]
    /// The target of `/proc/PID/exe` (for `exe` rules); nil when unreadable.
    func executable(of pid: Int32) -> [UInt8]?
    /// The parent `/proc` shows and the start time (field 22 of
    /// `/proc/PID/stat`), for tree rules; nil when gone.
    func parentAndStart(of pid: Int32) -> (parent: Int32, start: UInt64)?
}

extension ProcessAccess {
    package func executable(of pid: Int32) -> [UInt8]? { nil }
    package func parentAndStart(of pid: Int32) -> (parent: Int32, start: UInt64)? { nil }
}

/// The real kernel: pidfds and `/proc`. Confined to one thread.
package struct LiveProcessAccess: ProcessAccess {
    private let reader: ProcReader

    /// `procPath`: where `/proc` is (tests pass an empty directory to show
    /// what is read without it).
    package init(procPath: String = "/proc") throws(SystemCallError) { reader = try ProcReader(procPath: procPath) }

    package func open(_ pid: Int32) -> Result<ProcessHandle, SystemCallError> { ProcessHandle.open(pid) }

    package func identity(of pid: Int32, reading keys: RuleKeys) -> ProcessIdentity? {
        reader.identity(of: pid, reading: keys)
    }

    package func credentials(of handle: ProcessHandle) -> Result<ProcessCredentials, SystemCallError> {
        handle.credentials()
    }

    package func pid(of handle: ProcessHandle) -> Int32 { handle.pid }

    package func hasExited(_ handle: ProcessHandle) -> Bool { handle.hasExited }

    package func executable(of pid: Int32) -> [UInt8]? { reader.executable(of: pid) }

    package func parentAndStart(of pid: Int32) -> (parent: Int32, start: UInt64)? { reader.parentAndStart(of: pid) }

    package func send(_ signal: Int32, to handle: ProcessHandle) -> Result<Void, SystemCallError> { handle.send(signal) }

    package func waitForExit(_ handles: [ProcessHandle], timeoutNanoseconds: UInt64?) -> [Int] {
        let running = Set(ProcessHandle.waitForExit(handles, timeoutNanoseconds: timeoutNanoseconds).map(ObjectIdentifier.init))
        return handles.indices.filter { running.contains(ObjectIdentifier(handles[$0])) }
    }
}
