import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// At the kernel's per-user inotify limits the daemon starts anyway:
    /// the namespace directory is checked by its audit every second, the
    /// config is reloaded by SIGHUP, and each says so once, naming the
    /// sysctl to raise. The limits count per user: the daemon runs as a
    /// user of its own (with CAP_NET_ADMIN for the proc connector), and a
    /// fixture of the same user takes what the limit allows, so nothing
    /// else on the machine is affected.
    @Suite struct InotifyLimits {
        static let uid: UInt32 = 4485

        enum Limit: String, CaseIterable, CustomTestStringConvertible {
            case instances, watches
            var sysctl: String { "fs.inotify.max_user_\(rawValue)" }
            var testDescription: String { rawValue }
        }

        @Test(arguments: Limit.allCases)
        func atTheLimitTheDaemonServesAndSaysSoOnce(_ limit: Limit) async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4486 a\n")
            // The daemon's user owns the directory its namespace directory is made in.
            let home = harness.root + "/home"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
            #expect(chown(home, Self.uid, Self.uid) == 0)
            let out = home + "/out"

            let filler = try harness.startFixture(uid: Self.uid)
            switch limit {
            case .instances:
                let answer = try await filler.send("inotify-fill-instances")
                #expect(Int(answer) != nil, "\(answer)")
            case .watches:
                // Each (instance, file) pair is one watch: 32 instances over enough files.
                let maximum = try #require(Int(try String(contentsOfFile: "/proc/sys/fs/inotify/max_user_watches", encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)))
                let files = harness.root + "/fill"
                try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: false)
                for index in 0...(maximum / 32) {
                    #expect(FileManager.default.createFile(atPath: files + "/\(index)", contents: nil))
                }
                let answer = try await filler.send("inotify-fill-watches \(files) 32")
                #expect(Int(answer) != nil, "\(answer)")
            }

            let daemon = try harness.launchDaemon(
                arguments: ["-c", harness.config, "--min-interval", "1", "--log-level", "debug", out],
                wrapper: Harness.setpriv(uid: Self.uid) + ["--inh-caps=+net_admin", "--ambient-caps=+net_admin"])
            try await daemon.waitForStarted()
            let warnings = { daemon.lines().filter { $0.contains(" warning ") && $0.contains(limit.sysctl) } }
            // The watcher thread's report reaches the log in the loop's first rounds.
            _ = try await daemon.waitForLine(within: .seconds(5)) { $0.contains(limit.sysctl) && $0.contains("SIGHUP") }
            #expect(warnings().count == 2, "\(harness.daemonLogTail())")
            #expect(warnings().contains { $0.contains("directory") && $0.contains(out) }, "\(warnings())")
            #expect(warnings().contains { $0.contains("config") && $0.contains("SIGHUP") }, "\(warnings())")

            // The directory is still guarded: a deleted file comes back.
            try FileManager.default.removeItem(atPath: out + "/a")
            try await harness.waitForKernel("out/a restored", { access(out + "/a", F_OK) == 0 }) { $0 }
            // SIGHUP reloads.
            try harness.rewriteConfig("uid 4486 a\nuid 4487 b\n")
            daemon.signal(SIGHUP)
            try await harness.waitForKernel("out/b created by SIGHUP", { access(out + "/b", F_OK) == 0 }) { $0 }
            // Tried again every second, still said once.
            try await Task.sleep(for: .seconds(2))
            #expect(warnings().count == 2, "\(harness.daemonLogTail())")

            // Once the limit no longer bites, the config is watched again,
            // and an edit saved meanwhile applies.
            try harness.rewriteConfig("uid 4486 a\nuid 4487 b\nuid 4488 c\n")
            harness.killAndReap(filler.child)
            try await harness.waitForKernel("out/c created once watched again", { access(out + "/c", F_OK) == 0 }) { $0 }
            let again = try await daemon.waitForLine(within: .seconds(2)) { $0.contains(" info ") && $0.contains("watching the config") }
            #expect(again != nil, "\(harness.daemonLogTail())")
            // And so is the namespace directory: the kernel lists a watch on
            // its inode among the daemon's inotify descriptors.
            let directoryAgain = try await daemon.waitForLine(within: .seconds(3)) {
                $0.contains(" info ") && $0.contains("watching the directory for changes again")
            }
            #expect(directoryAgain != nil, "\(harness.daemonLogTail())")
            var status = stat()
            #expect(stat(out, &status) == 0)
            let inode = "ino:" + String(status.st_ino, radix: 16)
            let watched = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fdinfo").contains { fd in
                let info = (try? String(contentsOfFile: "/proc/\(daemon.pid)/fdinfo/\(fd)", encoding: .utf8)) ?? ""
                return info.split(separator: "\n").contains { $0.hasPrefix("inotify wd:") && $0.contains(inode + " ") }
            }
            #expect(watched, "no inotify watch on \(out) (\(inode)) in /proc/\(daemon.pid)/fdinfo")
            try await daemon.stop()
        }
    }
}
