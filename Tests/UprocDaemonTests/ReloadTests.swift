import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// SIGHUP re-reads the config: namespaces come and go; a broken config changes nothing.
    @Suite struct Reload {
        @Test func sighupAppliesAnEditedConfigAndKeepsStateOnABrokenOne() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4241 a\nuid 4245 b\n")
            let daemon = try await harness.startDaemon()
            let first = try harness.spawn(uid: 4241, gid: 4243, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "a", is: [first])
            #expect(harness.outEntries() == [".uprocd.names", "a", "b"])

            // Edited: b goes, c (matching nothing) and g (matching the running process) come.
            try harness.rewriteConfig("uid 4241 a\nuid 4244 c\ngid 4243 g\n")
            daemon.signal(SIGHUP)
            try await harness.waitUntil(namespace: "g", is: [first])
            #expect(harness.content("c") == "")
            #expect(harness.outEntries() == [".uprocd.names", "a", "c", "g"])
            // The record of the daemon's files follows the rules.
            #expect(harness.content(".uprocd.names")?.split(separator: "\n").dropFirst().sorted() == ["a", "c", "g"])
            #expect(harness.pids("a") == [first])

            // Broken: diagnostics logged, old rules kept, files untouched.
            try harness.rewriteConfig("uid 4241 a\nfrob 1 broken\n")
            daemon.signal(SIGHUP)
            let diagnostic = try await daemon.waitForLine(within: .seconds(5)) {
                $0.contains("\(harness.config):2:1: error: ")
            }
            #expect(diagnostic != nil, "no diagnostic logged for the broken config\(harness.daemonLogTail())")
            #expect(daemon.isRunning)
            #expect(harness.outEntries() == [".uprocd.names", "a", "c", "g"])
            // The old rules still sort new processes.
            let second = try harness.spawn(uid: 4241, gid: 4243, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "a", is: [first, second])
            try await harness.waitUntil(namespace: "g", is: [first, second])
            #expect(harness.content("c") == "")
            #expect(harness.outEntries() == [".uprocd.names", "a", "c", "g"])
            try await daemon.stop()
            #expect(harness.outEntries() == nil)
        }

        /// Rules on IDs only need no comm; a reload that adds `cmd` rules must learn the
        /// comm of processes already running, and follow renames from then on.
        @Test func reloadThatFirstNeedsCommLearnsItForRunningProcesses() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4247 u\n")
            let daemon = try await harness.startDaemon()
            let fixture = try harness.startFixture(uid: 4247)
            try await harness.waitUntil(namespace: "u", is: [fixture.pid])
            // Renamed while no rule looks at names.
            try await fixture.run("rename-main uproctestren1")

            try harness.rewriteConfig("""
                uid 4247 u
                uid 4247 cmd uproctestren1 r1
                uid 4247 cmd uproctestren2 r2

                """)
            daemon.signal(SIGHUP)
            try await harness.waitUntil(namespace: "r1", is: [fixture.pid])
            #expect(harness.content("r2") == "")

            try await fixture.run("rename-main uproctestren2")
            try await harness.waitUntil(namespace: "r2", is: [fixture.pid])
            try await harness.waitUntil(namespace: "r1", is: [])
            #expect(harness.pids("u") == [fixture.pid])
            try await daemon.stop()
        }
    }
}
