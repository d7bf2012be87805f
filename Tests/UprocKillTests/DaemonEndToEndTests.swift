import Foundation
import Testing
import UprocTestSupport

/// With the real uprocd writing the namespace file.
@Suite struct DaemonEndToEndTests {
    @Test func killsWhatTheDaemonListsAndTheDaemonSeesThemGo() async throws {
        try Kernel.require()
        let uid = KillWorld.freshID()
        let world = try KillWorld(config: "uid \(uid) uid.x\n")
        let directory = world.root + "/daemon"
        let log = open(world.root + "/uprocd.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(log) }
        let daemon = try Child([KillWorld.uprocd, "-c", world.config, "--min-interval", "1", directory], stderr: .fd(log), newProcessGroup: true)
        defer { daemon.killGroup() }
        let members = try await world.sleepers(3, uid: uid)
        let pids = members.map(\.pid).sorted()
        try await Self.waitUntil(directory + "/uid.x", lists: pids)

        let result = try await world.kill(["--wait", "--timeout", "5", "uid.x"], directory: directory)
        #expect(result.status == 0)
        #expect(result.err == "")
        for member in members {
            #expect(try await member.waitForExit(within: .seconds(5)) == .signaled(SIGTERM))
        }
        try await Self.waitUntil(directory + "/uid.x", lists: [])
        let again = try await world.kill(["uid.x"], directory: directory)
        #expect(again.status == 1)
        #expect(again.err == "")

        daemon.signalGroup(SIGTERM)
        #expect(try await daemon.waitForExit(within: .seconds(5)) == .exited(0))
    }

    /// A missing namespace file is "no such namespace" while the daemon
    /// serves the directory, and "no uprocd serves" once it stopped (the
    /// directory, made beforehand as systemd's RuntimeDirectory= makes it, stays).
    @Test func aMissingFileSaysWhetherADaemonServesTheDirectory() async throws {
        try Kernel.require()
        let world = try KillWorld(config: "uid \(KillWorld.freshID()) uid.x\n")
        let log = open(world.root + "/uprocd.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(log) }
        let daemon = try Child([KillWorld.uprocd, "-c", world.config, world.out], stderr: .fd(log), newProcessGroup: true)
        defer { daemon.killGroup() }
        try await Self.waitUntil(world.out + "/uid.x", lists: [])

        let unknown = try await world.kill(["uid.y"])
        #expect(unknown.status == 2)
        #expect(unknown.err == "uproc-kill: error: no such namespace 'uid.y' (no file \(world.out)/uid.y)\n")

        daemon.signalGroup(SIGTERM)
        #expect(try await daemon.waitForExit(within: .seconds(5)) == .exited(0))
        let stopped = try await world.kill(["uid.x"])
        #expect(stopped.status == 2)
        #expect(stopped.err == "uproc-kill: error: no uprocd serves \(world.out) (nothing holds its lock, and it has no file "
            + "'uid.x'); is uprocd running with this directory?\n")
    }

    static func waitUntil(_ path: String, lists pids: [Int32]) async throws {
        let expected = pids.map { "\($0)\n" }.joined()
        let end = ContinuousClock.now + .seconds(10)
        var seen: String?
        // Look once more after the deadline: a starved task may wake late.
        while true {
            seen = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
            if seen == expected { return }
            if ContinuousClock.now >= end { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw HarnessError("\(path) never listed \(pids); last seen \(seen.debugDescription)")
    }
}
