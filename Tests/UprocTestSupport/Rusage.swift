import Glibc

/// A child started with posix_spawn and reaped with wait4, for what the
/// kernel says it used (`getrusage` of that one child, the truth the
/// accounting tests compare with).
public struct ReapedChild: Sendable {
    public var pid: Int32
    /// As waitpid returns it.
    public var waitStatus: Int32
    /// `ru_utime`, `ru_stime` in microseconds.
    public var userMicroseconds: UInt64
    public var systemMicroseconds: UInt64

    public var cpuMicroseconds: UInt64 { userMicroseconds + systemMicroseconds }

    /// Runs `argv` (stdin, stdout and stderr /dev/null; empty signal mask,
    /// default dispositions) to its end; `started` runs with its PID first
    /// (to signal it).
    public static func run(_ argv: [String], started: (Int32) -> Void = { _ in }) throws -> ReapedChild {
        let child = try Child(argv)
        started(child.pid)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(child.pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw HarnessError("wait4 \(child.pid): \(String(cString: strerror(errno)))") }
        }
        func micro(_ time: timeval) -> UInt64 { UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_usec) }
        return ReapedChild(pid: child.pid, waitStatus: status, userMicroseconds: micro(usage.ru_utime),
                           systemMicroseconds: micro(usage.ru_stime))
    }
}
