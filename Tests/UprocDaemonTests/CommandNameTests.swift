import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// `cmd` rules: exec, renames of the main thread and of other threads, and threads themselves.
    ///
    /// Negative checks ("X is NOT in the file") use an ordering marker: after the step
    /// that must change nothing, the main thread is renamed to a marker and the test
    /// waits until the marker's namespace shows the process. The kernel's events
    /// arrive in order, so by then the step before it has been handled.
    @Suite struct CommandNames {
        @Test func cmdRulesFollowExec() async throws {
            try Kernel.require()
            // With the UID too, so no stray process of that name elsewhere can interfere.
            let harness = try Harness(config: "uid 4223 cmd uproctest1 c1\nuid 4223 cmd uproctest2 c2\n")
            let sleepLink = try harness.link("uproctest1", to: "/bin/sleep")
            let shellLink = try harness.link("uproctest2", to: "/bin/sh")
            let daemon = try await harness.startDaemon()

            let sleeper = try harness.spawn(uid: 4223, [sleepLink, "30"]).pid
            try await harness.waitUntil(namespace: "c1", is: [sleeper])

            // A shell named uproctest2 that execs /bin/sleep when told to: comm becomes "sleep".
            let steered = try harness.startSteered(Harness.setpriv(uid: 4223) + [shellLink, "-c", "read line; echo ok; exec /bin/sleep 30"])
            let shell = steered.pid
            try await harness.waitUntil(namespace: "c2", is: [shell])
            try await steered.run("go")
            try await harness.waitForComm(shell, "sleep")
            try await harness.waitUntil(namespace: "c2", is: [])
            #expect(harness.pids("c1") == [sleeper])
            try await daemon.stop()
        }

        @Test func mainThreadRenameCountsAndOtherThreadRenamesDoNot() async throws {
            try Kernel.require()
            let harness = try Harness(config: """
                uid 4221 cmd uproc-testproc fixture
                uid 4221 cmd uproctestthr thr
                uid 4221 cmd uproctestmain main

                """)
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture(uid: 4221)
            let pid = fixture.pid
            try await harness.waitUntil(namespace: "fixture", is: [pid])

            try await fixture.run("rename-thread uproctestthr")
            #expect(Harness.procText(pid, "comm") == "uproc-testproc\n")
            // Ordering marker: a main-thread rename handled after the thread's.
            try await fixture.run("rename-main uproctestmain")
            try await harness.waitUntil(namespace: "main", is: [pid])
            try await harness.waitUntil(namespace: "fixture", is: [])
            #expect(harness.pids("thr") == [], "a non-main thread's name put the process in 'thr'")

            // The same name on the main thread does count: the check above was not vacuous.
            try await fixture.run("rename-main uproctestthr")
            try await harness.waitUntil(namespace: "thr", is: [pid])
            try await harness.waitUntil(namespace: "main", is: [])
            try await daemon.stop()
        }

        @Test func processWithTwentyThreadsIsListedOnceAndThreadExitsChangeNothing() async throws {
            try Kernel.require()
            let harness = try Harness(config: """
                uid 4222 threaded
                uid 4222 cmd uproctestmk1 marker1
                uid 4222 cmd uproctestmk2 marker2

                """)
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture(uid: 4222)
            let pid = fixture.pid
            try await harness.waitUntil(namespace: "threaded", is: [pid])

            try await fixture.run("threads 20")
            let threads = Harness.threads(of: pid)
            #expect(threads.count == 21)
            try await fixture.run("rename-main uproctestmk1")
            try await harness.waitUntil(namespace: "marker1", is: [pid])
            let listed = harness.pids("threaded") ?? []
            #expect(listed == [pid])
            #expect(Set(listed).intersection(threads.filter { $0 != pid }).isEmpty, "thread IDs listed: \(listed)")

            try await fixture.run("join-threads")
            // pthread_join returns a moment before the kernel has reaped the threads.
            try await harness.waitForKernel("pid \(pid): only the main thread left") {
                Harness.threads(of: pid)
            } until: { $0 == [pid] }
            try await fixture.run("rename-main uproctestmk2")
            try await harness.waitUntil(namespace: "marker2", is: [pid])
            #expect(harness.pids("threaded") == [pid], "thread exits changed the process's namespace")
            try await daemon.stop()
        }

        @Test func forkedChildInheritsIDsAndCommAndLeavesWhenItExits() async throws {
            try Kernel.require()
            let harness = try Harness(config: """
                uid 4224 u
                gid 4224 g
                uid 4224 cmd uproctestfork both

                """)
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture(uid: 4224)
            try await fixture.run("rename-main uproctestfork")
            try await harness.waitUntil(namespace: "both", is: [fixture.pid])

            // fork without exec: no /proc read needed, the child is its parent's copy.
            guard let child = Int32(try await fixture.send("fork")) else {
                throw HarnessError("fork answered no PID")
            }
            try await harness.waitUntil(namespace: "both", is: [fixture.pid, child])
            try await harness.waitUntil(namespace: "u", is: [fixture.pid, child])
            try await harness.waitUntil(namespace: "g", is: [fixture.pid, child])

            kill(child, SIGKILL)
            try await fixture.run("reap")
            try await harness.waitUntil(namespace: "both", is: [fixture.pid])
            try await harness.waitUntil(namespace: "u", is: [fixture.pid])
            try await harness.waitUntil(namespace: "g", is: [fixture.pid])
            try await daemon.stop()
        }
    }
}
