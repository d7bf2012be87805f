import Glibc
import UprocLinux

/// Process creation and reaping for the benchmarks: thin wrappers over
/// `posix_spawn`, `fork`, `kill` and `waitpid`.
package enum BenchProcess {
    /// Starts `path` with `arguments` (the first is `argv[0]`) and this
    /// process's environment; returns the child's PID.
    /// The corresponding C function is `posix_spawn`.
    package static func spawn(_ path: String, arguments: [String]) throws(BenchError) -> Int32 {
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, nil, nil, argv, environ)
        guard status == 0 else { throw BenchError(call: "posix_spawn \(path)", errno: status) }
        return pid
    }

    /// Sends `SIGKILL` to `pid`. The corresponding C function is `kill`.
    package static func killHard(_ pid: Int32) throws(BenchError) {
        guard kill(pid, SIGKILL) == 0 else { throw .last("kill \(pid)") }
    }

    /// Waits for `pid` to end and returns its raw wait status.
    /// The corresponding C function is `waitpid`.
    package static func reap(_ pid: Int32) throws(BenchError) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw .last("waitpid \(pid)") }
        }
        return status
    }

    /// Forks `count` children one after another; each child calls `_exit(0)`
    /// at once and the parent reaps it before the next fork, so the kernel
    /// sends one FORK and one EXIT event per round. Returns the elapsed
    /// monotonic nanoseconds.
    package static func forkExitStorm(count: Int) throws(BenchError) -> UInt64 {
        let start = MonotonicClock.nanoseconds()
        for _ in 0..<count {
            let pid = fork()
            if pid == 0 { _exit(0) }
            guard pid > 0 else { throw .last("fork") }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 {
                guard errno == EINTR else { throw .last("waitpid \(pid)") }
            }
        }
        return MonotonicClock.nanoseconds() - start
    }

    /// Renames the process (its `comm`, what a `cmd` rule matches), so the
    /// rules can match the children it forks. Works by writing
    /// `/proc/self/comm`, because Glibc's `pthread_setname_np` needs
    /// `_GNU_SOURCE`, which the Swift Glibc module is built without.
    package static func setName(_ name: String) throws(BenchError) {
        let fd = open("/proc/self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .last("open /proc/self/comm") }
        defer { close(fd) }
        let written = name.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        guard written == name.utf8.count else { throw .last("write /proc/self/comm") }
    }
}
