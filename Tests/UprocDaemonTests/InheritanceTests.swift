import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// A FORK event names the child's `real_parent`: under CLONE_PARENT the grandparent,
    /// and the forking thread, whose credentials and name may differ from its leader's.
    /// Whatever the daemon guesses at the fork, the file must show the truth within
    /// the documented bound (100 ms; the tests allow 1 s on a busy machine).
    @Suite struct Inheritance {
        /// Root spawns a uid-4242 fixture; its CLONE_PARENT child's FORK event names
        /// the root test runner as parent.
        @Test func cloneParentChildIsListedUnderItsOwnUID() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4242 u4242\n")
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture(uid: 4242)
            try await harness.waitUntil(namespace: "u4242", is: [fixture.pid])

            let answer = try await fixture.send("clone-parent")
            let child = try #require(Int32(answer), "clone-parent answered \(answer)")
            defer { reapGrandchild(child) }
            #expect(Harness.ids(child, "Uid").first == "4242")
            #expect(Harness.ids(child, "PPid") == ["\(getpid())"], "the runner is the child's parent")
            try await harness.waitUntil(namespace: "u4242", is: [fixture.pid, child], deadline: .seconds(1))
            try await daemon.stop()
        }

        /// A thread's own setresuid (the raw call: glibc's changes every thread) is
        /// inherited by a child it forks; the leader keeps UID 0.
        @Test func childOfAThreadWithItsOwnUIDIsListedUnderThatUID() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4243 u4243\n")
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture()
            try await fixture.run("worker-setresuid 4243")
            #expect(Harness.ids(fixture.pid, "Uid").first == "0")

            let answer = try await fixture.send("worker-fork")
            let child = try #require(Int32(answer), "worker-fork answered \(answer)")
            #expect(Harness.ids(child, "Uid").first == "4243")
            try await harness.waitUntil(namespace: "u4243", is: [child], deadline: .seconds(1))
            try await daemon.stop()
        }

        /// A child of a thread that named itself carries that name (its comm), though
        /// its parent process's comm is the leader's.
        @Test func childOfARenamedThreadIsListedUnderTheThreadsName() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4246 cmd uproctestwrk wrk\nuid 4246 all\n")
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture(uid: 4246)
            try await harness.waitUntil(namespace: "all", is: [fixture.pid])
            try await fixture.run("worker-rename uproctestwrk")

            let answer = try await fixture.send("worker-fork")
            let child = try #require(Int32(answer), "worker-fork answered \(answer)")
            #expect(Harness.procText(child, "comm") == "uproctestwrk\n")
            try await harness.waitUntil(namespace: "all", is: [fixture.pid, child])
            try await harness.waitUntil(namespace: "wrk", is: [child], deadline: .seconds(1))
            try await daemon.stop()
        }
    }
}

/// A CLONE_PARENT child is the test runner's own child: kill and reap it here.
func reapGrandchild(_ pid: Int32) {
    kill(pid, SIGKILL)
    var status: Int32 = 0
    _ = waitpid(pid, &status, 0)
}
