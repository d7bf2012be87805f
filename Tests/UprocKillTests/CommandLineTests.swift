import Foundation
import Testing
import UprocKill
import UprocTestSupport

/// What a user sees when something is wrong: one clear line, its own exit
/// status, nothing signalled.
@Suite struct CommandLineTests {
    static let usage: Int32 = 64
    static let fatal: Int32 = 2

    @Test(arguments: [
        (["-s", "FOO", "x"], "unknown signal 'FOO'"),
        (["-s", "65", "x"], "unknown signal '65'"),
        (["-FOO", "x"], "Unknown option '-FOO'"),
        ([], "no namespace given"),
        // An unknown option is named, whatever else is missing or wrong.
        (["--bogus"], "Unknown option '--bogus'"),
        (["--bogus", "--timeout", "1"], "Unknown option '--bogus'"),
        (["--timeout", "1", "x"], "--timeout needs --wait"),
        (["--wait", "--timeout=-1", "x"], "--timeout must be a decimal number of seconds from 0 to 999999999 (e.g. 5 or 0.5), not '-1'"),
        (["--wait", "--timeout", "0x10", "x"], "--timeout must be a decimal number of seconds from 0 to 999999999"),
        (["--wait", "--timeout", "1e18", "x"], "--timeout must be a decimal number of seconds from 0 to 999999999"),
        (["--wait", "--timeout", "1000000000", "x"], "--timeout must be a decimal number of seconds from 0 to 999999999"),
        (["--wait", "--timeout", "nan", "x"], "--timeout must be a decimal number"),
        (["--wait", "--dry-run", "x"], "--wait and --dry-run exclude each other"),
    ] as [([String], String)])
    func badUsageExits64(_ arguments: [String], _ message: String) async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        let result = try await world.run([KillWorld.uprocKill] + arguments)
        #expect(result.status == Self.usage)
        #expect(result.err.contains(message), "\(result.err)")
        #expect(result.out == "")
    }

    @Test func helpNamesEveryExitStatus() async throws {
        let world = try KillWorld(config: "")
        let result = try await world.run([KillWorld.uprocKill, "--help"])
        #expect(result.status == 0)
        for status in ["0 at least one", "1 no process", "2 nothing done", "3 with", "64 bad usage"] {
            #expect(result.out.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ").contains(status), "\(status)")
        }
    }

    @Test func aMissingDirectory() async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        let missing = world.root + "/missing"
        let result = try await world.kill(["x"], directory: missing)
        #expect(result.status == Self.fatal)
        #expect(result.err == "uproc-kill: error: \(missing): no such directory (is uprocd running?)\n")
    }

    /// A missing file means "no such namespace" only when a daemon serves
    /// the directory (holds its lock); else no daemon serves it at all.
    @Test(arguments: [false, true])
    func aMissingNamespaceFile(served: Bool) async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        // The lock uprocd takes: an exclusive flock on the directory itself.
        let directory = open(world.out, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(directory) }
        if served { #expect(flock(directory, LOCK_EX | LOCK_NB) == 0) }
        let result = try await world.kill(["nope"])
        #expect(result.status == Self.fatal)
        #expect(result.err == (served
            ? "uproc-kill: error: no such namespace 'nope' (no file \(world.out)/nope)\n"
            : "uproc-kill: error: no uprocd serves \(world.out) (nothing holds its lock, and it has no file 'nope'); "
                + "is uprocd running with this directory?\n"))
    }

    @Test(arguments: ["../x", ".lock", "a/b", ""])
    func aNameTheDaemonCannotHaveWritten(_ name: String) async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        let result = try await world.kill([name])
        #expect(result.status == Self.fatal)
        #expect(result.err.hasPrefix("uproc-kill: error: invalid namespace name '\(name)': "), "\(result.err)")
    }

    @Test func aNamespaceTheRulesDoNotHave() async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        try world.list("y", [1])
        let result = try await world.kill(["y"])
        #expect(result.status == Self.fatal)
        #expect(result.err == "uproc-kill: error: namespace 'y' has no rule in \(world.config); give uprocd's config with -c\n")
    }

    @Test func aMalformedNamespaceFile() async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        try "1\nabc\n".write(toFile: world.out + "/x", atomically: true, encoding: .utf8)
        let result = try await world.kill(["x"])
        #expect(result.status == Self.fatal)
        #expect(result.err == "uproc-kill: error: \(world.out)/x:2: not a PID; not a namespace file of uprocd\n")
    }

    @Test func anInvalidConfigPrintsItsDiagnostics() async throws {
        let world = try KillWorld(config: "usr 0 x\n")
        try world.list("x", [])
        let result = try await world.kill(["x"])
        #expect(result.status == Self.fatal)
        #expect(result.err.hasPrefix("\(world.config):1:1: error: unknown key 'usr'"), "\(result.err)")
    }

    @Test func aMissingConfig() async throws {
        let world = try KillWorld(config: "")
        try world.list("x", [])
        let missing = world.root + "/nope.conf"
        let result = try await world.run([KillWorld.uprocKill, "-d", world.out, "-c", missing, "x"])
        #expect(result.status == Self.fatal)
        #expect(result.err == "uproc-kill: error: \(missing): No such file or directory\n")
    }

    @Test func anErrorInAnyNamespaceSignalsNothing() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) x\n")
        let member = try await world.sleepers(1, uid: uid)[0]
        try world.list("x", [member.pid])
        let result = try await world.kill(["x", "nope"])
        #expect(result.status == Self.fatal)
        try await Task.sleep(for: .milliseconds(50))
        #expect(member.isRunning)
    }
}

/// Namespace files are believed only from a directory and files nobody but
/// root or the caller can change.
@Suite struct TrustTests {
    @Test(arguments: [(0o777, "group and others (mode 777)"), (0o775, "group (mode 775)"), (0o757, "others (mode 757)"), (0o1777, "group and others (mode 1777)")] as [(mode_t, String)])
    func aDirectoryOthersCanWriteIsRefused(_ mode: mode_t, _ words: String) async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        try world.list("x", [])
        chmod(world.out, mode)
        let result = try await world.kill(["x"])
        #expect(result.status == 2)
        #expect(result.err == "uproc-kill: error: \(world.out): writable by \(words); refusing to trust its namespace files\n")
    }

    @Test func aSymlinkedDirectoryIsRefused() async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        try world.list("x", [])
        let link = world.root + "/link"
        symlink(world.out, link)
        let result = try await world.kill(["x"], directory: link)
        #expect(result.status == 2)
        #expect(result.err == "uproc-kill: error: \(link): is a symbolic link; refusing to trust it\n")
    }

    @Test func aDirectoryOfAnotherUserIsRefusedButTheCallersIsTrusted() async throws {
        try Kernel.require()
        let owner = KillWorld.freshID()
        let world = try KillWorld(config: "uid 0 x\n")
        try world.list("x", [])
        chown(world.out, owner, owner)
        let refused = try await world.kill(["x"])
        #expect(refused.status == 2)
        #expect(refused.err == "uproc-kill: error: \(world.out): owned by UID \(owner), neither root nor the caller; refusing to trust its namespace files\n")
        // Run as the owner: trusted (root's file in it too); the empty namespace exits 1.
        let trusted = try await world.kill(["x"], uid: owner)
        #expect(trusted.err == "")
        #expect(trusted.status == 1)
    }

    @Test func aNamespaceFileOthersCanWriteIsRefused() async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        try world.list("x", [])
        chmod(world.out + "/x", 0o666)
        let result = try await world.kill(["x"])
        #expect(result.status == 2)
        #expect(result.err == "uproc-kill: error: \(world.out)/x: writable by group and others (mode 666); refusing to trust it\n")
    }

    @Test func aNamespaceFileOfAnotherUserIsRefused() async throws {
        try Kernel.require()
        let world = try KillWorld(config: "uid 0 x\n")
        try world.list("x", [])
        let owner = KillWorld.freshID()
        chown(world.out + "/x", owner, owner)
        let result = try await world.kill(["x"])
        #expect(result.status == 2)
        #expect(result.err == "uproc-kill: error: \(world.out)/x: owned by UID \(owner), neither root nor the caller; refusing to trust it\n")
    }

    @Test func aSymlinkedNamespaceFileIsRefused() async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        try "1\n".write(toFile: world.root + "/elsewhere", atomically: true, encoding: .utf8)
        symlink(world.root + "/elsewhere", world.out + "/x")
        let result = try await world.kill(["x"])
        #expect(result.status == 2)
        #expect(result.err == "uproc-kill: error: \(world.out)/x: is a symbolic link; refusing to trust it\n")
    }

    @Test func aFIFOIsRefusedWithoutHanging() async throws {
        let world = try KillWorld(config: "uid 0 x\n")
        mkfifo(world.out + "/x", 0o644)
        let result = try await world.kill(["x"], within: .seconds(10))
        #expect(result.status == 2)
        #expect(result.err == "uproc-kill: error: \(world.out)/x: not a regular file; refusing to trust it\n")
    }
}

/// `--timeout` as uproc-kill(1) documents it: decimal seconds only.
@Suite struct TimeoutTests {
    @Test(arguments: [
        ("0", 0), ("5", 5_000_000_000), ("0.5", 500_000_000), (".25", 250_000_000), ("10.", 10_000_000_000),
        ("0.000000001", 1), ("0.0000000001", 1), ("1.0000000000", 1_000_000_000), ("007", 7_000_000_000),
        ("999999999", 999_999_999_000_000_000), ("0000000000000000000001", 1_000_000_000),
    ] as [(String, UInt64)])
    func decimalSecondsAreNanosecondsRoundedUp(_ text: String, _ nanoseconds: UInt64) {
        #expect(KillTimeout.nanoseconds(text) == nanoseconds)
    }

    @Test(arguments: ["", ".", "-1", "+5", "0x10", "1e18", "1E3", "inf", "nan", "1,5", " 5", "5 ", "1.2.3",
                      "1000000000", "99999999999999999999999", "٣"])
    func anythingElseIsRefused(_ text: String) {
        #expect(KillTimeout.nanoseconds(text) == nil)
    }
}
