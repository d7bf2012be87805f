import Foundation
import Testing
import UprocLinux
import UprocTestSupport
import UprocTracker

/// Tree and template namespaces: a member may match nothing itself (a
/// shell's children, a daemon that forked twice and runs under init), so
/// uproc-kill checks its ancestry in /proc, up to a root, and the daemon's
/// lineage file, where a process is on record with its start time.
@Suite struct TreeMembersTests {
    /// A shell named `name` (a link to /bin/sh) running `script`, and its
    /// children once `count` of them run.
    static func job(_ world: KillWorld, name: String, script: String, children count: Int) async throws -> (Child, [Int32]) {
        let link = world.root + "/" + name
        if !FileManager.default.fileExists(atPath: link) { try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/bin/sh") }
        let shell = try world.spawn([link, "-c", script])
        let end = ContinuousClock.now + .seconds(5)
        while true {
            let children = (try? String(contentsOfFile: "/proc/\(shell.pid)/task/\(shell.pid)/children", encoding: .utf8)) ?? ""
            let pids = children.split(separator: " ").compactMap { Int32($0) }
            if pids.count == count, pids.allSatisfy({ KillWorld.comm($0) == "sleep" }) { return (shell, pids.sorted()) }
            if ContinuousClock.now >= end { throw HarnessError("\(name): \(count) children not started: \(children)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    static func start(of pid: Int32) throws -> UInt64 {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        return try #require(UInt64(fields[19]))   // field 22 of stat(5)
    }

    static func alive(_ pid: Int32) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
    }

    /// Children of a root are members by their ancestry in /proc; a listed
    /// process outside the tree is spared.
    @Test func aRootsChildrenAreMembersAndAnOutsiderIsSpared() async throws {
        try Kernel.require()
        let world = try KillWorld(config: "tree cmd uprockroot job.tree\n")
        let (root, children) = try await Self.job(world, name: "uprockroot", script: "sleep 300 & sleep 300 & wait", children: 2)
        let outsider = try world.spawn(["/bin/sleep", "300"])
        try await world.waitForComm(outsider.pid, "sleep")
        try world.list("job.tree", [root.pid, outsider.pid] + children)
        // The children are init's once the root dies: held, so that a PID
        // reused after their exit is not taken for them.
        let held = try children.map { try ProcessHandle.open($0).get() }

        let result = try await world.kill(["-s", "KILL", "--wait", "--timeout", "5", "job.tree"])
        #expect(result.status == 0, "\(result.err)")
        #expect(!Self.alive(root.pid), "the root is still alive")
        for (pid, handle) in zip(children, held) { #expect(handle.hasExited, "PID \(pid) of the tree is still alive") }
        #expect(Self.alive(outsider.pid), "the outsider was signalled")
    }

    /// A daemon that forked twice runs under init: only the lineage file
    /// says it belongs to the job, and only for the process that started at
    /// the recorded time, never a later one with its PID.
    @Test(arguments: [true, false])
    func aDoubleForkedDaemonIsAMemberByTheLineageFileAtItsStartTime(_ recordedRightly: Bool) async throws {
        try Kernel.require()
        let world = try KillWorld(config: "tree cmd uprockroot job.tree\n")
        // Not named as the root: the daemon is a member by the file alone.
        // The shell forks a subshell that starts sleep and exits: sleep is reparented.
        let (shell, _) = try await Self.job(world, name: "uprockdaemon", script: "(sleep 300 &); exec sleep 300", children: 0)
        var daemon: Int32?
        let end = ContinuousClock.now + .seconds(5)
        while daemon == nil {
            // In the shell's process group: sleep, and not the shell (which became sleep too).
            let candidates = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).filter { pid in
                pid != shell.pid && KillWorld.comm(pid) == "sleep" && Self.groupOf(pid) != nil && Self.groupOf(pid) == Self.groupOf(shell.pid)
            }
            daemon = candidates.first
            if daemon == nil {
                if ContinuousClock.now >= end { throw HarnessError("the double-forked sleep was not found") }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        let pid = try #require(daemon)
        // Not our child: held by a pidfd, so the clean-up never hits a later
        // process that got its PID (other tests run meanwhile).
        let held = try ProcessHandle.open(pid).get()
        defer { _ = held.send(SIGKILL) }
        let started = try Self.start(of: pid)
        try #require(KillWorld.comm(pid) == "sleep", "the PID held is the sleep found")
        let start = started + (recordedRightly ? 0 : 1)
        let snapshot = LineageSnapshot(
            written: start, trees: [.init(name: "job.tree")], records: [.init(pid: pid, start: start, parent: nil, trees: [0])])
        let file = world.out + "/" + NamespaceDirectory.lineageName
        try Data(snapshot.encode()).write(to: URL(fileURLWithPath: file))
        chmod(file, 0o600)
        try world.list("job.tree", [pid])

        let result = try await world.kill(["-s", "KILL", "--wait", "--timeout", "5", "job.tree"])
        if recordedRightly {
            #expect(result.status == 0, "\(result.err)")
            #expect(held.hasExited, "the double-forked daemon is still alive")
        } else {
            // Another start time: a later process with the PID, spared.
            #expect(result.status == 1, "\(result.err)")
            #expect(!held.hasExited, "a process that is not the recorded one was signalled")
        }
    }

    static func groupOf(_ pid: Int32) -> Substring? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? fields[2] : nil   // field 5: the process group
    }

    /// A name a template makes: its members are the processes the template
    /// gives that name now.
    @Test func aTemplatesNameIsCheckedByItsExpansion() async throws {
        try Kernel.require()
        let world = try KillWorld(config: "cmd \"uprockt*\" t.{cmd}\n")
        let link = world.root + "/uprockt1"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/bin/sleep")
        let member = try world.spawn([link, "300"])
        let other = try world.spawn(["/bin/sleep", "300"])
        try await world.waitForComm(member.pid, "uprockt1")
        try await world.waitForComm(other.pid, "sleep")
        try world.list("t.uprockt1", [member.pid, other.pid])

        let result = try await world.kill(["-s", "KILL", "--wait", "--timeout", "5", "t.uprockt1"])
        #expect(result.status == 0, "\(result.err)")
        #expect(!Self.alive(member.pid))
        #expect(Self.alive(other.pid))
    }
}
