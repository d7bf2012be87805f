import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// The README's shell one-liners ("Using the files from the shell"), on a
    /// live daemon's files.
    @Suite struct ShellExamples {
        static func sh(_ harness: Harness, _ script: String) async throws -> (exit: Child.Exit?, output: String) {
            try await harness.run(["/bin/sh", "-c", script], stderr: true)
        }

        @Test func xargsOneLinersAreQuietOnEmptyAndStaleFiles() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4281 a\nuid 4282 none\n")
            let daemon = try await harness.startDaemon()
            let D = harness.out

            // An empty namespace: nothing runs, nothing printed, success.
            #expect(harness.content("none") == "")
            var result = try await Self.sh(harness, "xargs -r kill < \(D)/none 2>/dev/null")
            #expect(result.exit == .exited(0) && result.output == "")
            // What `kill $(cat FILE)` does instead.
            result = try await Self.sh(harness, "kill $(cat \(D)/none)")
            #expect(result.exit != .exited(0))

            let sleeper = try harness.spawn(uid: 4281, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid])
            result = try await Self.sh(harness, "xargs -r ps -o pid=,user=,etime=,args= -p < \(D)/a 2>/dev/null")
            #expect(result.output.contains("\(sleeper.pid) ") && result.output.contains("/bin/sleep 30"), "\(result.output)")

            // A PID gone meanwhile: `2>/dev/null` keeps it quiet (xargs says 123: some kill failed).
            let stale = harness.root + "/stale"
            try Harness.write("\(sleeper.pid)\n", to: stale)
            result = try await Self.sh(harness, "xargs -r kill < \(D)/a 2>/dev/null")
            #expect(result.exit == .exited(0))
            #expect(try await sleeper.waitForExit(within: .seconds(5)) == .signaled(SIGTERM))
            try await harness.waitUntil(namespace: "a", is: [])
            result = try await Self.sh(harness, "xargs -r kill < \(stale) 2>/dev/null")
            #expect(result.output == "")
            try await daemon.stop()
        }

        /// `inotifywait -m -e moved_to DIR` sees every update of a namespace file.
        @Test func aWatchOnTheDirectorySeesEveryUpdate() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4283 w\n")
            let daemon = try await harness.startDaemon()
            let events = harness.root + "/inotifywait.out"
            let notes = harness.root + "/inotifywait.err"
            let fd = open(events, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            let errorFD = open(notes, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            try #require(fd >= 0 && errorFD >= 0)
            let watcher: Child
            do {
                defer { close(fd); close(errorFD) }
                watcher = try harness.spawn(["/usr/bin/inotifywait", "-m", "-e", "moved_to", "--format", "%f", harness.out],
                                            stdout: .fd(fd), stderr: .fd(errorFD))
            }
            // Updates before its watch is set would go unseen: wait for its word.
            try await harness.waitForKernel("inotifywait's watch", {
                FileManager.default.contents(atPath: notes).map { String(decoding: $0, as: UTF8.self) } ?? ""
            }, until: { $0.contains("Watches established") })
            // Each update is seen before the next is made: the kernel merges a
            // MOVED_TO of the same name with one still queued unread, so updates
            // faster than the watcher reads show as one event (the file it then
            // reads holds the latest list).
            var pids: [Int32] = []
            for update in 1...3 {
                pids.append(try harness.spawn(uid: 4283, ["/bin/sleep", "30"]).pid)
                try await harness.waitUntil(namespace: "w", is: pids)
                try await harness.waitForKernel("\(update) updates of w seen", {
                    (FileManager.default.contents(atPath: events).map { String(decoding: $0, as: UTF8.self) } ?? "")
                        .split(separator: "\n").filter { $0 == "w" }.count
                }, until: { $0 >= update })
            }
            #expect(watcher.isRunning, "the directory watch outlives the renames")
            harness.killAndReap(watcher)
            try await daemon.stop()
        }
    }
}
