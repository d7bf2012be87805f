import Foundation
import Testing

/// A child process started with posix_spawn in its own process group, with
/// an empty signal mask (or `blocked`) and default dispositions, as from a
/// shell (Foundation's `Process` passes on the test runner's mask).
final class Spawned {
    enum Exit: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signaled(let signal): "killed by signal \(signal)"
            }
        }
    }

    let pid: Int32
    let command: String
    private(set) var exit: Exit?

    init(_ argv: [String], stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil, blocked: [Int32] = []) throws {
        command = argv.joined(separator: " ")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
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
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, environ)
        guard rc == 0 else { throw TestFailure("posix_spawn \(command): \(String(cString: strerror(rc)))") }
        self.pid = pid
    }

    deinit {
        if exit == nil {
            kill(-pid, SIGKILL)
            reap(within: .seconds(5))
        }
    }

    /// Reaps the child if it has exited; true while it runs.
    var isRunning: Bool {
        if exit != nil { return false }
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == 0 || (rc < 0 && errno == EINTR) { return true }
        // WIFEXITED and friends are macros the importer drops.
        exit = status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
        return false
    }

    func signalGroup(_ signal: Int32) {
        if exit == nil { kill(-pid, signal) }
    }

    /// SIGKILL to its whole process group (shell children too), then reap.
    func killGroup() {
        if exit == nil { kill(-pid, SIGKILL) }
        reap(within: .seconds(5))
    }

    @discardableResult
    func waitForExit(within limit: Duration) async throws -> Exit? {
        let end = ContinuousClock.now + limit
        while isRunning {
            if ContinuousClock.now >= end { return nil }
            try await Task.sleep(for: .milliseconds(2))
        }
        return exit
    }

    @discardableResult
    func reap(within limit: Duration) -> Exit? {
        let end = ContinuousClock.now + limit
        while isRunning {
            if ContinuousClock.now >= end { return nil }
            usleep(2_000)
        }
        return exit
    }
}

/// A test step that cannot go on; says what was seen.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Kernel tests need root (setpriv, chown, ns_last_pid). Without it they
/// are cancelled, unless UPROC_REQUIRE_KERNEL_TESTS=1: then a failure.
enum Kernel {
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws {
        if geteuid() == 0 { return }
        if ProcessInfo.processInfo.environment["UPROC_REQUIRE_KERNEL_TESTS"] == "1" {
            throw TestFailure("UPROC_REQUIRE_KERNEL_TESTS=1 but this test runs without root (euid \(geteuid()))")
        }
        try Test.cancel("needs root (setpriv, chown, ns_last_pid)", sourceLocation: sourceLocation)
    }
}
