import Glibc

/// A child process that exits at once: its FORK and EXIT events prove that
/// the kernel's process events reach us.
package enum TrivialChild {
    /// Forks a child that calls `_exit(0)` at once. The corresponding C
    /// function is `fork`.
    package static func start() throws(SystemCallError) -> Int32 {
        let pid = try syscall("fork") { fork() }.get()
        if pid == 0 { _exit(0) }
        return pid
    }

    /// Waits for `pid` to end and reaps it. The corresponding C function is
    /// `waitpid`.
    package static func reap(_ pid: Int32) {
        var status: Int32 = 0
        _ = syscall("waitpid") { waitpid(pid, &status, 0) }
    }

    /// Why a process here might get no events although the subscription
    /// was accepted: a non-initial PID or user namespace. Nil when neither
    /// shows in `/proc/self`.
    package static func namespaceObstacle() -> String? {
        NamespaceObstacle.current().first?.description
    }
}
