import Foundation
import Glibc
import Testing
@testable import UprocLinux
import UprocRules
import UprocTestSupport

/// The facts trees, logins and executables need, read from `/proc` of real
/// processes: the login UID, the executable's path, the parent and the
/// start time.
@Suite struct ProcFactsTests {
    /// Polls `condition` for up to 20 s (a loaded machine starts children slowly).
    private func eventually(_ condition: () -> Bool) async -> Bool {
        let end = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    private func comm(_ pid: Int32) -> String? {
        (try? FileReading.read("/proc/\(pid)/comm", limit: 64)).map { String(decoding: $0.dropLast(), as: UTF8.self) }
    }

    /// A login's write is inherited by what the login starts and kept
    /// across a change of user, as pam_loginuid and `su` do.
    @Test(.enabled(if: Kernel.available, Kernel.reason))
    func readsTheLoginUIDAcrossSetuid() async throws {
        try Kernel.require()
        let reader = try ProcReader()
        let ours = try #require(reader.loginUID(of: getpid()))
        let plain = try Child(["/bin/sleep", "300"])
        defer { plain.signal(SIGKILL); _ = plain.reap(within: .seconds(5)) }
        let login = try Child(["/bin/sh", "-c",
                               "echo 4242 > /proc/self/loginuid && exec setpriv --reuid=1000 --regid=1000 --clear-groups sleep 300"])
        defer { login.signal(SIGKILL); _ = login.reap(within: .seconds(5)) }
        #expect(await eventually { comm(login.pid) == "sleep" })
        #expect(reader.loginUID(of: plain.pid) == ours)
        #expect(reader.loginUID(of: login.pid) == 4242)
        #expect(reader.identity(of: login.pid, reading: .ids)?.euid == 1000)
        #expect(reader.readFailures == 0)
    }

    /// The executable as the kernel resolved it at exec; once the file is
    /// removed, its path with " (deleted)".
    @Test(.enabled(if: Kernel.available, Kernel.reason))
    func readsTheExecutableAndItsDeletion() async throws {
        try Kernel.require()
        let directory = try TemporaryDirectory()
        let program = directory.path + "/my sleep"
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: program)
        let child = try Child([program, "300"])
        defer { child.signal(SIGKILL); _ = child.reap(within: .seconds(5)) }
        let reader = try ProcReader()
        #expect(await eventually { reader.executable(of: child.pid) == Array(program.utf8) })
        try FileManager.default.removeItem(atPath: program)
        #expect(reader.executable(of: child.pid) == Array((program + " (deleted)").utf8))
        // Through a symlink: the file it leads to.
        let resolved = try #require(URL(fileURLWithPath: "/bin/sleep").resolvingSymlinksInPath().path.utf8)
        let viaLink = try Child(["/bin/sleep", "300"])
        defer { viaLink.signal(SIGKILL); _ = viaLink.reap(within: .seconds(5)) }
        #expect(await eventually { reader.executable(of: viaLink.pid) == Array(resolved) })
        #expect(reader.readFailures == 0)
    }

    @Test func aKernelThreadHasNoExecutable() throws {
        let reader = try ProcReader()
        guard comm(2) == "kthreadd" else { return }
        #expect(reader.executable(of: 2) == nil)
        #expect(reader.readFailures == 0)
    }

    @Test func readsTheParentAndStartTime() async throws {
        let reader = try ProcReader()
        let child = try Child(["/bin/sleep", "300"])
        defer { child.signal(SIGKILL); _ = child.reap(within: .seconds(5)) }
        let facts = try #require(reader.parentAndStart(of: child.pid))
        #expect(facts.parent == getpid())
        let stat = String(decoding: try FileReading.read("/proc/\(child.pid)/stat", limit: 4096), as: UTF8.self)
        let fields = stat[stat.range(of: ")", options: .backwards)!.upperBound...].split(separator: " ")
        #expect(facts.start == UInt64(fields[19]))
        let ours = try #require(reader.parentAndStart(of: getpid()))
        #expect(facts.start >= ours.start)
        #expect(ours.parent == getppid())
    }

    @Test func aGoneProcessHasNoFactsAndIsNoFailure() throws {
        let reader = try ProcReader()
        let child = try Child(["/bin/true"])
        _ = child.reap(within: .seconds(20))
        #expect(reader.loginUID(of: child.pid) == nil)
        #expect(reader.executable(of: child.pid) == nil)
        #expect(reader.parentAndStart(of: child.pid) == nil)
        #expect(reader.readFailures == 0)
    }

    /// `/proc` text that does not parse is counted, not taken for a value.
    @Test func unparsableTextIsCounted() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.path + "/77", withIntermediateDirectories: false)
        try directory.write("77/loginuid", "x\n")
        try directory.write("77/stat", "77 (a) S\n")
        let reader = try ProcReader(procPath: directory.path)
        #expect(reader.loginUID(of: 77) == nil)
        #expect(reader.parentAndStart(of: 77) == nil)
        #expect(reader.readFailures == 2)
        try directory.write("77/loginuid", "1000")
        try directory.write("77/stat", "77 (a b) c) S 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 99 31\n")
        #expect(reader.loginUID(of: 77) == 1000)
        #expect(reader.parentAndStart(of: 77)?.parent == 12)
        #expect(reader.parentAndStart(of: 77)?.start == 99)
    }
}
