import Foundation
import Testing
import UprocLinux
import UprocTestSupport

/// One test's world: `/dev/shm/uproc-kill-test-<random>/` (0755, root's)
/// holding `out/` (namespace files the test writes itself, holding their
/// content fixed, or a daemon's), `uproc.conf`, and the processes the test
/// started. Everything is killed and removed when the world goes away.
final class KillWorld {
    let root: String
    let out: String
    let config: String
    private var children: [Child] = []
    private var runs = 0

    static let buildDirectory = Tools.directory
    static let uprocKill = buildDirectory + "/uproc-kill"
    static let uprocd = buildDirectory + "/uprocd"
    static let testproc = buildDirectory + "/uproc-testproc"

    /// A UID (and GID) no account and no other test uses.
    static func freshID() -> UInt32 { UInt32.random(in: 3_000_000...3_999_999) }

    init(config text: String) throws {
        signal(SIGPIPE, SIG_IGN)
        root = "/dev/shm/uproc-kill-test-\(UInt64.random(in: 0...UInt64.max) & 0xFFFF_FFFF_FFFF)"
        out = root + "/out"
        config = root + "/uproc.conf"
        for directory in [root, out] {
            guard mkdir(directory, 0o755) == 0, chmod(directory, 0o755) == 0 else {
                throw HarnessError("mkdir \(directory): \(String(cString: strerror(errno)))")
            }
        }
        try text.write(toFile: config, atomically: true, encoding: .utf8)
    }

    deinit {
        for child in children { child.killGroup() }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Writes `out/<namespace>` as the daemon would: PIDs ascending, one a line.
    func list(_ namespace: String, _ pids: [Int32]) throws {
        let text = pids.sorted().map { "\($0)\n" }.joined()
        try text.write(toFile: out + "/" + namespace, atomically: true, encoding: .utf8)
        chmod(out + "/" + namespace, 0o644)
    }

    @discardableResult
    func spawn(_ argv: [String], blocked: [Int32] = []) throws -> Child {
        let child = try Child(argv, blocked: blocked, newProcessGroup: true)
        children.append(child)
        return child
    }

    /// `argv` as UID `uid` and GID `gid` (default: `uid`), no supplementary groups.
    @discardableResult
    func spawn(uid: UInt32, gid: UInt32? = nil, _ argv: [String], blocked: [Int32] = []) throws -> Child {
        try spawn(Self.setpriv(uid: uid, gid: gid) + argv, blocked: blocked)
    }

    static func setpriv(uid: UInt32, gid: UInt32? = nil) -> [String] {
        ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid ?? uid)", "--clear-groups"]
    }

    /// `count` sleeps as `uid`, each waited for until it runs `sleep` (exec'd
    /// through setpriv), so that /proc shows their final identity.
    func sleepers(_ count: Int, uid: UInt32, gid: UInt32? = nil, blocked: [Int32] = []) async throws -> [Child] {
        var started: [Child] = []
        for _ in 0..<count {
            started.append(try spawn(uid: uid, gid: gid, ["/bin/sleep", "300"], blocked: blocked))
        }
        for child in started { try await waitForComm(child.pid, "sleep") }
        return started
    }

    func waitForComm(_ pid: Int32, _ comm: String) async throws {
        let end = ContinuousClock.now + .seconds(5)
        while Self.comm(pid) != comm {
            if ContinuousClock.now >= end { throw HarnessError("pid \(pid): comm '\(comm)' not reached; seen \(Self.comm(pid) ?? "(gone)")") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Waits until `pid` has a handler for `signal` (SigCgt in its status):
    /// a shell's `trap` is set.
    func waitForCaught(_ pid: Int32, _ signal: Int32) async throws {
        let bit = UInt64(1) << UInt64(signal - 1)
        let end = ContinuousClock.now + .seconds(5)
        while true {
            let status = FileManager.default.contents(atPath: "/proc/\(pid)/status").map { String(decoding: $0, as: UTF8.self) } ?? ""
            let caught = status.split(separator: "\n").first { $0.hasPrefix("SigCgt:") }
                .flatMap { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
            if caught & bit != 0 { return }
            if ContinuousClock.now >= end { throw HarnessError("pid \(pid) does not catch signal \(signal) within 5 s") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    static func comm(_ pid: Int32) -> String? {
        FileManager.default.contents(atPath: "/proc/\(pid)/comm").map {
            String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
    }

    /// Runs `uproc-kill arguments… -d OUT -c CONFIG` (as `uid`, if given)
    /// to its end: status (nil if killed), stdout, stderr.
    func kill(_ arguments: [String], uid: UInt32? = nil, gid: UInt32? = nil, directory: String? = nil,
              within limit: Duration = .seconds(30)) async throws -> (status: Int32?, out: String, err: String) {
        let command = [Self.uprocKill] + arguments + ["-d", directory ?? out, "-c", config]
        return try await run(uid.map { Self.setpriv(uid: $0, gid: gid) + command } ?? command, within: limit)
    }

    func run(_ argv: [String], within limit: Duration = .seconds(30)) async throws -> (status: Int32?, out: String, err: String) {
        runs += 1
        let outPath = root + "/run\(runs).out"
        let errPath = root + "/run\(runs).err"
        let outFD = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let errFD = open(errPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer {
            close(outFD)
            close(errFD)
        }
        let child = try Child(argv, stdout: .fd(outFD), stderr: .fd(errFD), newProcessGroup: true)
        guard let exit = try await child.waitForExit(within: limit) else {
            child.killGroup()
            throw HarnessError("\(child.command) still running after \(limit)")
        }
        let read = { (path: String) in FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? "" }
        if case .exited(let status) = exit { return (status, read(outPath), read(errPath)) }
        return (nil, read(outPath), read(errPath))
    }
}
