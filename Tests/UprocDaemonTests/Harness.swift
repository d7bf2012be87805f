import Foundation
import Testing

/// One test's world: a private directory `/dev/shm/uproc-test-<random>/` holding
/// `out/` (the daemon's directory), `uproc.conf`, logs and helper binaries; the
/// daemons and processes the test started. Everything is killed, reaped and
/// removed when the harness goes away, also when the test failed.
final class Harness {
    let root: String
    let out: String
    let config: String
    private var daemons: [Daemon] = []
    private var children: [Process] = []
    private let childLog: FileHandle

    /// Where `swift build` put the test runner, uprocd and uproc-testproc.
    static let buildDirectory: String = {
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        return (runner as NSString).deletingLastPathComponent
    }()

    init(config text: String) throws {
        // Writes to a fixture that died must fail with EPIPE, not kill the runner.
        signal(SIGPIPE, SIG_IGN)
        root = "/dev/shm/uproc-test-\(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF)"
        out = root + "/out"
        config = root + "/uproc.conf"
        // 0755: the unprivileged test processes exec helpers from here.
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o755])
        try Self.write(text, to: config)
        _ = FileManager.default.createFile(atPath: root + "/children.log", contents: nil)
        childLog = FileHandle(forWritingAtPath: root + "/children.log")!
    }

    deinit {
        for child in children where child.isRunning {
            kill(child.processIdentifier, SIGKILL)
        }
        for daemon in daemons where daemon.process.isRunning {
            kill(daemon.pid, SIGKILL)
        }
        for process in children + daemons.map(\.process) {
            Self.reap(process, within: .seconds(5))
        }
        try? childLog.close()
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: files

    /// Replaces `path` atomically (temp + rename), as an editor that keeps the inode would not.
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
    func outEntries() -> [String]? {
        (try? FileManager.default.contentsOfDirectory(atPath: out))?.sorted()
    }

    /// `root/<name>` → `target`: run through it, a binary's comm is the link's name.
    func link(_ name: String, to target: String) throws -> String {
        let path = root + "/" + name
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        return path
    }

    // MARK: daemons

    /// Starts `uprocd -c CONFIG --min-interval 1 --log-level debug OUT` (or the given
    /// arguments) with stderr in a log file; does not wait for anything.
    func launchDaemon(arguments: [String]? = nil) throws -> Daemon {
        let arguments = arguments ?? ["-c", config, "--min-interval", "1", "--log-level", "debug", out]
        let daemon = try Daemon(executable: Self.buildDirectory + "/uprocd", arguments: arguments,
                                logPath: root + "/uprocd.\(daemons.count).log")
        daemons.append(daemon)
        return daemon
    }

    /// Starts the daemon and waits for its `started` line (10 s).
    func startDaemon(arguments: [String]? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Daemon {
        let daemon = try launchDaemon(arguments: arguments)
        try await daemon.waitForStarted(sourceLocation: sourceLocation)
        return daemon
    }

    // MARK: processes

    /// Starts `argv` (absolute path first); stderr goes to `children.log`.
    @discardableResult
    func spawn(_ argv: [String], stdin: Pipe? = nil, stdout: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardInput = stdin ?? FileHandle.nullDevice
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = childLog
        try process.run()
        children.append(process)
        return process
    }

    /// `argv` run with real and effective UID `uid`, GID `gid`, no supplementary groups.
    @discardableResult
    func spawn(uid: UInt32, gid: UInt32? = nil, _ argv: [String], stdin: Pipe? = nil) throws -> Process {
        try spawn(["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid ?? uid)", "--clear-groups"] + argv, stdin: stdin)
    }

    /// The steerable fixture, as root or (through setpriv) as `uid`.
    func startFixture(uid: UInt32? = nil) throws -> Fixture {
        let input = Pipe()
        let output = Pipe()
        var argv = [Self.buildDirectory + "/uproc-testproc"]
        if let uid {
            argv = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups"] + argv
        }
        let process = try spawn(argv, stdin: input, stdout: output)
        return Fixture(process: process, input: input, output: output)
    }

    /// SIGKILL and reap.
    func killAndReap(_ process: Process, sourceLocation: SourceLocation = #_sourceLocation) {
        kill(process.processIdentifier, SIGKILL)
        if !Self.reap(process, within: .seconds(5)) {
            Issue.record("pid \(process.processIdentifier) still running 5 s after SIGKILL", sourceLocation: sourceLocation)
        }
    }

    /// Waits (polling) for `process` to be reaped; false on timeout.
    @discardableResult
    static func reap(_ process: Process, within limit: Duration) -> Bool {
        let end = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now >= end { return false }
            usleep(2_000)
        }
        return true
    }

    /// Waits (polling, without blocking a thread) for `process` to be reaped; false on timeout.
    func waitForExit(_ process: Process, within limit: Duration) async throws -> Bool {
        let end = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now >= end { return false }
            try await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Waits until `/proc/<pid>/comm` is `comm` (the exec has happened).
    func waitForComm(_ pid: Int32, _ comm: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let end = ContinuousClock.now + .seconds(5)
        var seen = ""
        while ContinuousClock.now < end {
            seen = Self.procText(pid, "comm")?.trimmingCharacters(in: .newlines) ?? "(gone)"
            if seen == comm { return }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw HarnessError("pid \(pid): comm is '\(seen)', not '\(comm)', after 5 s")
    }

    static func procText(_ pid: Int32, _ file: String) -> String? {
        FileManager.default.contents(atPath: "/proc/\(pid)/\(file)").map { String(decoding: $0, as: UTF8.self) }
    }

    /// The thread IDs of `pid` (`/proc/<pid>/task`), sorted.
    static func threads(of pid: Int32) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).compactMap { Int32($0) }.sorted()
    }

    /// Runs `argv` to completion (30 s at most) and returns its status and stdout.
    func run(_ argv: [String], within limit: Duration = .seconds(30)) async throws -> (status: Int32, output: String) {
        let output = Pipe()
        let process = try spawn(argv, stdout: output)
        // Read while it runs so a full pipe cannot stall it.
        let reader = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
        guard try await waitForExit(process, within: limit) else {
            killAndReap(process)
            throw HarnessError("\(argv.joined(separator: " ")) still running after \(limit)")
        }
        try? output.fileHandleForWriting.close()
        let data = await reader.value
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
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
        let tail = daemon.log().split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        return "\n--- uprocd log (last \(lines) lines) ---\n" + tail
    }
}
