import Foundation

/// A child process started with posix_spawn and reaped with waitpid.
///
/// Not Foundation's `Process`: on this toolchain its children kept the signal mask of
/// the spawning thread (a test-runner worker that blocks most signals) and the runner's
/// SIG_IGN dispositions; `sh -c '…; wait'` then hung forever with SIGCHLD blocked.
/// Here every child starts with an empty mask and default dispositions, as from a shell.
public final class Child {
    public enum Exit: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        /// Reaped by someone else (waitpid said ECHILD).
        case unknown

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signaled(let signal): "killed by signal \(signal)"
            case .unknown: "reaped elsewhere"
            }
        }
    }

    public let pid: Int32
    public let command: String
    public private(set) var exit: Exit?

    /// Where the child's stdin, stdout and stderr come from.
    public enum Stream {
        case null
        /// This fd (the child gets a duplicate; the caller keeps and closes its own).
        case fd(Int32)
    }

    public init(_ argv: [String], stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null) throws {
        command = argv.joined(separator: " ")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .fd(let fd):
                posix_spawn_file_actions_adddup2(&actions, fd, target)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ)
        guard rc == 0 else {
            throw HarnessError("posix_spawn \(command): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    /// Reaps the child if it has exited; true while it runs.
    public var isRunning: Bool {
        if exit != nil { return false }
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == 0 { return true }
        if rc < 0 {
            if errno == EINTR { return true }
            exit = .unknown
            return false
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros the importer drops.
        exit = status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
        return false
    }

    public func signal(_ number: Int32) {
        if exit == nil { kill(pid, number) }
    }

    /// Polls every 2 ms; the exit, or nil on timeout.
    @discardableResult
    public func waitForExit(within limit: Duration) async throws -> Exit? {
        let end = ContinuousClock.now + limit
        while isRunning {
            if ContinuousClock.now >= end { return nil }
            try await Task.sleep(for: .milliseconds(2))
        }
        return exit
    }

    /// Blocking variant for cleanup paths (deinit).
    @discardableResult
    public func reap(within limit: Duration) -> Exit? {
        let end = ContinuousClock.now + limit
        while isRunning {
            if ContinuousClock.now >= end { return nil }
            usleep(2_000)
        }
        return exit
    }
}

/// A pipe with both ends close-on-exec, so no other child inherits them; the
/// child gets its end through dup2, which clears the flag on the copy.
public struct ChildPipe {
    public let read: Int32
    public let write: Int32

    public init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw HarnessError("pipe: \(String(cString: strerror(errno)))") }
        read = fds[0]
        write = fds[1]
        _ = fcntl(read, F_SETFD, FD_CLOEXEC)
        _ = fcntl(write, F_SETFD, FD_CLOEXEC)
    }
}
