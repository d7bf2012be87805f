import Foundation

/// A child process started with posix_spawn and reaped with waitpid.
///
/// Not Foundation's `Process`: on this toolchain its children kept the signal mask of
/// the spawning thread (a test-runner worker that blocks most signals) and the runner's
/// SIG_IGN dispositions; `sh -c '…; wait'` then hung forever with SIGCHLD blocked.
/// Here every child starts with an empty mask (or `blocked`) and default dispositions, as
/// from a shell.
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
    /// Whether it leads a process group of its own (`newProcessGroup`).
    public let leadsGroup: Bool

    /// Where the child's stdin, stdout and stderr come from.
    public enum Stream {
        case null
        /// This fd (the child gets a duplicate; the caller keeps and closes its own).
        case fd(Int32)
    }

    /// `blocked`: signals blocked in the child. `newProcessGroup`: the child leads a group of
    /// its own, so `signalGroup`/`killGroup` reach what it starts (a shell's children) too.
    public init(_ argv: [String], stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null,
                blocked: [Int32] = [], newProcessGroup: Bool = false) throws {
        command = argv.joined(separator: " ")
        leadsGroup = newProcessGroup
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
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in blocked { sigaddset(&mask, signal) }
        posix_spawnattr_setsigmask(&attributes, &mask)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ)
        guard rc == 0 else {
            throw HarnessError("posix_spawn \(command): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    /// A child this process started by other means (`start(_:asPID:)`), reaped as any other.
    init(adopting pid: pid_t, command: String) {
        self.pid = pid
        self.command = command
        leadsGroup = false
    }

    /// A group of its own is the test's to clean up: killed and reaped when dropped.
    deinit {
        if leadsGroup { killGroup() }
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

    /// `number` to its whole process group (needs `newProcessGroup`).
    public func signalGroup(_ number: Int32) {
        precondition(leadsGroup, "\(command): not spawned with newProcessGroup")
        if exit == nil { kill(-pid, number) }
    }

    /// SIGKILL to its whole process group (a shell's children too), then reap (5 s at most).
    public func killGroup() {
        signalGroup(SIGKILL)
        reap(within: .seconds(5))
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
