import CLinuxProc
import Glibc
import SystemPackage

/// One process, held by a pidfd: the descriptor names that process for its
/// whole life, so a signal sent through it can never reach a later process
/// that got the same PID. Closed once, when the handle goes away. Confined
/// to one thread.
package final class ProcessHandle {
    /// The PID the handle was opened for.
    package let pid: Int32
    private let descriptor: Int32

    private init(pid: Int32, descriptor: Int32) {
        self.pid = pid
        self.descriptor = descriptor
    }

    deinit { closeDescriptor(descriptor) }

    /// Opens a pidfd for `pid` (close-on-exec: the kernel always makes it so).
    /// ESRCH: no such process; EINVAL (ENOENT on 6.18): `pid` is a thread,
    /// not a process; ENOSYS: a kernel before 5.3. The corresponding C function is `pidfd_open`.
    package static func open(_ pid: Int32) -> Result<ProcessHandle, SystemCallError> {
        syscall("pidfd_open", subject: "pid \(pid)") { CLinuxProc_pidfd_open(pid, 0) }
            .map { ProcessHandle(pid: pid, descriptor: $0) }
    }

    /// Whether the process has exited (a zombie has): its pidfd polls
    /// readable from then on. A failed poll counts as exited, so that a
    /// caller deciding whether to signal errs on the side of not.
    package var hasExited: Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard case .success(let ready) = syscall("poll", { Glibc.poll(&entry, 1, 0) }) else { return true }
        return ready != 0
    }

    /// The held process's credentials, read through the pidfd: never those
    /// of a later process with the same PID. A zombie still has them (only
    /// `hasExited` tells). ESRCH: the process has been reaped; ENOTTY, or
    /// EINVAL on Linux 6.11 and 6.12: the kernel predates `PIDFD_GET_INFO`
    /// (6.13). The corresponding C function is `ioctl(PIDFD_GET_INFO)`.
    package func credentials() -> Result<ProcessCredentials, SystemCallError> {
        var info = CLinuxProc_pidfd_info()
        info.mask = CLinuxProc_PIDFD_INFO_CREDS
        return syscall("ioctl(PIDFD_GET_INFO)", subject: "pid \(pid)") { CLinuxProc_pidfd_get_info(descriptor, &info) }
            .flatMap { _ in
                // The kernel sets the bits of what it filled; no CREDS would be a kernel that cannot.
                guard info.mask & CLinuxProc_PIDFD_INFO_CREDS != 0 else {
                    return .failure(SystemCallError(call: "ioctl(PIDFD_GET_INFO)", subject: "pid \(pid)", errno: .notSupported))
                }
                return .success(ProcessCredentials(ruid: info.ruid, euid: info.euid, rgid: info.rgid, egid: info.egid))
            }
    }

    /// Sends `signal` (0: only checks that it could be sent) as `kill` would.
    /// ESRCH: the process is gone; EPERM: the caller may not signal it.
    /// The corresponding C function is `pidfd_send_signal`.
    package func send(_ signal: Int32) -> Result<Void, SystemCallError> {
        syscall("pidfd_send_signal", subject: "pid \(pid)") { CLinuxProc_pidfd_send_signal(descriptor, signal) }
            .map { _ in () }
    }

    /// Waits until every process of `handles` has exited, or until
    /// `timeoutNanoseconds` have passed (nil: no limit). Returns the handles
    /// still running, in their order. The corresponding C function is `poll`.
    package static func waitForExit(_ handles: [ProcessHandle], timeoutNanoseconds: UInt64?) -> [ProcessHandle] {
        let deadline = timeoutNanoseconds.map { MonotonicClock.nanoseconds() &+ $0 }
        var running = handles
        var entries = running.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        while !running.isEmpty {
            var milliseconds: Int32 = -1
            if let deadline {
                let now = MonotonicClock.nanoseconds()
                if now >= deadline { break }
                // Rounded up: a poll that wakes early would spin.
                milliseconds = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            }
            let ready = syscall("poll", retryOnInterrupt: false) {
                Glibc.poll(&entries, nfds_t(entries.count), milliseconds)
            }
            switch ready {
            case .success(let count) where count > 0: break
            case .success: continue  // timed out: the deadline check ends the loop
            case .failure(let error) where error.errno == .interrupted: continue  // with the timeout recomputed
            case .failure: return running  // cannot wait (ENOMEM): what is left counts as running
            }
            var kept = 0
            for index in entries.indices where entries[index].revents == 0 {
                entries[kept] = entries[index]
                running[kept] = running[index]
                kept += 1
            }
            entries.removeLast(entries.count - kept)
            running.removeLast(running.count - kept)
        }
        return running
    }
}
