import Foundation
import Testing
import UprocTestSupport

/// One test's world: a private directory `/dev/shm/uproc-test-<random>/` holding
/// `out/` (the daemon's directory), `uproc.conf`, logs and helper binaries; the
/// daemons and processes the test started. Everything is killed, reaped and
/// removed when the harness goes away, also when the test failed.
final class Harness {
    let root: String
    let out: String
    let config: String
    private var daemons: [Daemon] = []
    private var children: [Child] = []
    /// The stderr of every child but the daemons.
    private let childLog: Int32

    /// Where `swift build` put the test runner, uprocd and uproc-testproc.
    static let buildDirectory = Tools.directory

    init(config text: String) throws {
        // Writes to a fixture that died must fail with EPIPE, not kill the runner.
        signal(SIGPIPE, SIG_IGN)
        root = "/dev/shm/uproc-test-\(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF)"
        out = root + "/out"
        config = root + "/uproc.conf"
        // 0755: the unprivileged test processes exec helpers from here.
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        guard chmod(root, 0o755) == 0 else { throw HarnessError("chmod \(root): \(String(cString: strerror(errno)))") }
        try Self.write(text, to: config)
        childLog = open(root + "/children.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    deinit {
        let all = children + daemons.map(\.child)
        for child in all { child.signal(SIGKILL) }
        for child in all { child.reap(within: .seconds(5)) }
        close(childLog)
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: files

    /// Writes `path` atomically (temp + rename): the daemon never reads half a config.
    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func rewriteConfig(_ text: String) throws {
        try Self.write(text, to: config)
    }

    /// The text of `out/<namespace>`, or nil when it does not exist.
    func content(_ namespace: String) -> String? {
        FileManager.default.contents(atPath: out + "/" + namespace).map { String(decoding: $0, as: UTF8.self) }
    }

    /// What `out` holds (dot files included), sorted; nil when `out` does not exist.
    /// The directory's entries, without a temporary the daemon is writing
    /// at that moment (`.uprocd.tmp.*`, renamed over a file a moment later).
    func outEntries() -> [String]? {
        (try? FileManager.default.contentsOfDirectory(atPath: out))?.filter { !$0.hasPrefix(".uprocd.tmp.") }.sorted()
    }

    /// `root/<name>` → `target`: run through it, a binary's comm is the link's name.
    /// uprocd on a private /proc with hidepid=invisible,gid=4254 (never the
    /// host's), run as the service runs: root with CAP_NET_ADMIN only, plus
    /// CAP_SYS_PTRACE to see every process under hidepid (uprocd(8),
    /// PRIVILEGES). `arguments` default to this harness's config and directory.
    func daemonUnderHidepid(arguments: [String]? = nil) throws -> Daemon {
        let shell = "mount -t proc -o hidepid=invisible,gid=4254,subset=pid proc /proc && "
            + "exec /usr/bin/setpriv --bounding-set=-all,+net_admin,+sys_ptrace \"$0\" \"$@\""
        return try Daemon(executable: "/usr/bin/unshare",
                          arguments: ["-m", "--propagation", "private", "/bin/sh", "-c", shell, Harness.uprocd]
                              + (arguments ?? ["-c", config, "--min-interval", "1", out]),
                          logPath: root + "/hidden.log")
    }

    func link(_ name: String, to target: String) throws -> String {
        let path = root + "/" + name
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        return path
    }

    // MARK: daemons

    /// The daemon under test: `UPROC_TEST_UPROCD` (e.g. a release build) or the one built with the tests.
    static let uprocd = ProcessInfo.processInfo.environment["UPROC_TEST_UPROCD"] ?? buildDirectory + "/uprocd"

    /// Starts `uprocd -c CONFIG --min-interval 1 --log-level debug OUT` (or the given
    /// arguments) with stderr in a log file; does not wait for anything.
    /// `environment` (`NAME=value` words) is set through env(1); `wrapper`
    /// (e.g. `unshare …`) runs first and must exec its arguments.
    func launchDaemon(arguments: [String]? = nil, stdin: Child.Stream = .null, environment: [String] = [],
                      wrapper: [String] = [], logPath: String? = nil) throws -> Daemon {
        let arguments = arguments ?? ["-c", config, "--min-interval", "1", "--log-level", "debug", out]
        let argv = wrapper + (environment.isEmpty ? [] : ["/usr/bin/env"] + environment) + [Self.uprocd] + arguments
        let daemon = try Daemon(executable: argv[0], arguments: Array(argv.dropFirst()),
                                logPath: logPath ?? root + "/uprocd.\(daemons.count).log", stdin: stdin)
        daemons.append(daemon)
        return daemon
    }

    /// Starts the daemon and waits for its `started` line (10 s).
    func startDaemon(arguments: [String]? = nil, environment: [String] = []) async throws -> Daemon {
        let daemon = try launchDaemon(arguments: arguments, environment: environment)
        try await daemon.waitForStarted()
        return daemon
    }

    // MARK: processes

    /// Starts `argv` (absolute path first); stderr goes to `children.log` unless given.
    @discardableResult
    func spawn(_ argv: [String], stdout: Child.Stream = .null, stderr: Child.Stream? = nil) throws -> Child {
        let child = try Child(argv, stdout: stdout, stderr: stderr ?? (childLog >= 0 ? .fd(childLog) : .null))
        children.append(child)
        return child
    }

    /// `argv` run with real and effective UID `uid`, GID `gid`, no supplementary groups.
    @discardableResult
    func spawn(uid: UInt32, gid: UInt32? = nil, _ argv: [String]) throws -> Child {
        try spawn(Self.setpriv(uid: uid, gid: gid) + argv)
    }

    static func setpriv(uid: UInt32, gid: UInt32? = nil) -> [String] {
        ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid ?? uid)", "--clear-groups"]
    }

    /// The steerable fixture, as root or (through setpriv) as `uid`.
    func startFixture(uid: UInt32? = nil) throws -> Steered {
        let fixture = [Self.buildDirectory + "/uproc-testproc"]
        return try startSteered(uid.map { Self.setpriv(uid: $0) + fixture } ?? fixture)
    }

    /// Any command that answers lines on stdout to lines on stdin, like the fixture.
    func startSteered(_ argv: [String]) throws -> Steered {
        let steered = try Steered(argv)
        children.append(steered.child)
        return steered
    }

    /// SIGKILL and reap.
    func killAndReap(_ child: Child, sourceLocation: SourceLocation = #_sourceLocation) {
        child.signal(SIGKILL)
        if child.reap(within: .seconds(5)) == nil {
            Issue.record("pid \(child.pid) still running 5 s after SIGKILL", sourceLocation: sourceLocation)
        }
    }

    /// Waits until `/proc/<pid>/comm` is `comm` (the exec has happened).
    func waitForComm(_ pid: Int32, _ comm: String) async throws {
        try await waitForKernel("pid \(pid): comm '\(comm)'") {
            Self.procText(pid, "comm")?.trimmingCharacters(in: .newlines) ?? "(gone)"
        } until: { $0 == comm }
    }

    /// Polls a kernel fact (5 s) until `done` holds for it; the kernel's side of a
    /// test is settled first, so that a failure after it is the daemon's.
    func waitForKernel<T>(_ what: String, _ read: () -> T, until done: (T) -> Bool) async throws {
        let end = ContinuousClock.now + .seconds(5)
        var seen = read()
        while !done(seen) {
            if ContinuousClock.now >= end { throw HarnessError("\(what) not reached within 5 s; seen: \(seen)") }
            try await Task.sleep(for: .milliseconds(2))
            seen = read()
        }
    }

    /// The IDs of a `Uid:` or `Gid:` line of `/proc/<pid>/status` (real, effective, saved, fs).
    static func ids(_ pid: Int32, _ key: String) -> [String] {
        let line = procText(pid, "status")?.split(separator: "\n").first { $0.hasPrefix(key + ":") }
        return line?.split(whereSeparator: \.isWhitespace).dropFirst().map(String.init) ?? []
    }

    static func procText(_ pid: Int32, _ file: String) -> String? {
        FileManager.default.contents(atPath: "/proc/\(pid)/\(file)").map { String(decoding: $0, as: UTF8.self) }
    }

    /// The thread IDs of `pid` (`/proc/<pid>/task`), sorted.
    static func threads(of pid: Int32) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).compactMap { Int32($0) }.sorted()
    }

    /// Runs `argv` to completion (30 s at most) and returns its status and stdout (and stderr).
    func run(_ argv: [String], stderr: Bool = false, within limit: Duration = .seconds(30)) async throws -> (exit: Child.Exit?, output: String) {
        let output = root + "/run.\(children.count).out"
        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw HarnessError("open \(output): \(String(cString: strerror(errno)))") }
        let child: Child
        do {
            defer { close(fd) }
            child = try spawn(argv, stdout: .fd(fd), stderr: stderr ? .fd(fd) : nil)
        }
        guard let exit = try await child.waitForExit(within: limit) else {
            killAndReap(child)
            throw HarnessError("\(child.command) still running after \(limit)")
        }
        let text = FileManager.default.contents(atPath: output).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return (exit, text)
    }

    // MARK: namespace files

    /// The PIDs of `out/<namespace>` now; nil when it is missing (a malformed file is an Issue).
    func pids(_ namespace: String, sourceLocation: SourceLocation = #_sourceLocation) -> [Int32]? {
        guard let text = content(namespace) else { return nil }
        guard let pids = NamespaceFile.parse(text) else {
            Issue.record("out/\(namespace) breaks the file format (ascending PIDs, each followed by \\n): \(text.debugDescription)",
                         sourceLocation: sourceLocation)
            return nil
        }
        return pids
    }

    /// Polls `out/<namespace>` every 2 ms until `condition` holds for its PIDs;
    /// on timeout records an Issue showing what the file held. Returns the last PIDs read.
    @discardableResult
    func waitUntil(namespace: String, deadline limit: Duration = .seconds(5), _ what: String = "condition",
                   sourceLocation: SourceLocation = #_sourceLocation,
                   _ condition: ([Int32]) -> Bool) async throws -> [Int32]? {
        let end = ContinuousClock.now + limit
        var last: [Int32]?
        while true {
            if let text = content(namespace) {
                if let pids = NamespaceFile.parse(text) {
                    last = pids
                    if condition(pids) { return pids }
                } else {
                    Issue.record("out/\(namespace) breaks the file format: \(text.debugDescription)", sourceLocation: sourceLocation)
                    return nil
                }
            }
            if ContinuousClock.now >= end { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        let shown = content(namespace).map { $0.debugDescription } ?? "(no such file)"
        Issue.record("out/\(namespace): \(what) not met within \(limit); it holds \(shown)\(daemonLogTail())",
                     sourceLocation: sourceLocation)
        return last
    }

    /// Waits until `out/<namespace>` lists exactly `expected`.
    func waitUntil(namespace: String, is expected: [Int32], deadline limit: Duration = .seconds(5),
                   sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let sorted = expected.sorted()
        try await waitUntil(namespace: namespace, deadline: limit, "exactly \(sorted)", sourceLocation: sourceLocation) { $0 == sorted }
    }

    /// The last lines of the newest daemon's log, for failure messages.
    func daemonLogTail(lines: Int = 25) -> String {
        guard let daemon = daemons.last else { return "" }
        let tail = daemon.log().split(separator: "\n").suffix(lines).joined(separator: "\n")
        return "\n--- uprocd log (last \(lines) lines) ---\n" + tail
    }
}
