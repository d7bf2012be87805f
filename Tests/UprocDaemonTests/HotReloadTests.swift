import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// IDs 4451–4476: 4250–4299 are taken by other suites, and other test runs on
    /// this machine start processes with them while these tests look at all processes.
    /// Editing uproc.conf (or passwd and group) reloads the rules with no
    /// signal: real daemon, real files, real inotify.
    @Suite struct HotReload {
        /// How administrators and their tools change a file.
        enum EditStyle: String, CaseIterable, CustomTestStringConvertible {
            case writeInPlace, append, truncateAndRewrite, renameOver, deleteAndRecreate, symlinkSwap, symlinkTargetEdit
            /// `rm -rf DIR; mkdir DIR` and the config written anew in it.
            case directoryRecreated
            /// `-c s/cur/uproc.conf` with `cur -> v1`: `v1/uproc.conf` edited.
            case directorySymlinkTargetEdit
            /// A Kubernetes ConfigMap volume: `uproc.conf -> ..data/uproc.conf`,
            /// `..data -> ..2026_a`, swapped the way the kubelet does it.
            case configMapSwap
            var testDescription: String { rawValue }
        }

        /// Each edit style turns `uid 4451 a` into `uid 4451 a` + `uid 4452 b`:
        /// `b` appears within 1 s, no SIGHUP sent. The next edit of the file
        /// the config now leads to is followed too, and nothing but log
        /// records reaches the daemon's stderr.
        @Test(arguments: EditStyle.allCases)
        func everyEditStyleIsFollowedWithinOneSecond(_ style: EditStyle) async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4451 a\n")
            let before = "uid 4451 a\n", after = "uid 4451 a\nuid 4452 b\n"
            let files = FileManager.default
            var config = harness.config
            let versions = harness.root + "/versions"
            switch style {
            case .symlinkSwap, .symlinkTargetEdit:
                // As configuration management does it: the config is a link
                // into a directory of versions.
                try files.createDirectory(atPath: versions, withIntermediateDirectories: false)
                try Harness.write(before, to: versions + "/v1")
                try files.removeItem(atPath: harness.config)
                try files.createSymbolicLink(atPath: harness.config, withDestinationPath: "versions/v1")
            case .directoryRecreated:
                config = harness.root + "/conf/uproc.conf"
                try files.createDirectory(atPath: harness.root + "/conf", withIntermediateDirectories: false)
                try Harness.write(before, to: config)
            case .directorySymlinkTargetEdit:
                try files.createDirectory(atPath: harness.root + "/s/v1", withIntermediateDirectories: true)
                try Harness.write(before, to: harness.root + "/s/v1/uproc.conf")
                try files.createSymbolicLink(atPath: harness.root + "/s/cur", withDestinationPath: "v1")
                config = harness.root + "/s/cur/uproc.conf"
            case .configMapSwap:
                try files.createDirectory(atPath: harness.root + "/k/..2026_a", withIntermediateDirectories: true)
                try Harness.write(before, to: harness.root + "/k/..2026_a/uproc.conf")
                try files.createSymbolicLink(atPath: harness.root + "/k/..data", withDestinationPath: "..2026_a")
                try files.createSymbolicLink(atPath: harness.root + "/k/uproc.conf", withDestinationPath: "..data/uproc.conf")
                config = harness.root + "/k/uproc.conf"
            default:
                break
            }
            let daemon = try await harness.startDaemon(arguments: ["-c", config, "--min-interval", "1", "--log-level", "debug", harness.out])
            #expect(harness.outEntries() == [".uprocd.names", "a"])

            switch style {
            case .writeInPlace:
                // vim with backupcopy=yes: the same inode, overwritten.
                let handle = try #require(FileHandle(forWritingAtPath: harness.config))
                try handle.write(contentsOf: Data(after.utf8))
                try handle.close()
            case .append:
                let handle = try #require(FileHandle(forWritingAtPath: harness.config))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data("uid 4452 b\n".utf8))
                try handle.close()
            case .truncateAndRewrite:
                // `> file` then the new text, in two opens.
                #expect(truncate(harness.config, 0) == 0)
                try await Task.sleep(for: .milliseconds(100))
                let handle = try #require(FileHandle(forWritingAtPath: harness.config))
                try handle.write(contentsOf: Data(after.utf8))
                try handle.close()
            case .renameOver:
                // vim's default and `sed -i`: a new file renamed over the name.
                try Harness.write(after, to: harness.root + "/.uproc.conf.swp")
                #expect(rename(harness.root + "/.uproc.conf.swp", harness.config) == 0)
            case .deleteAndRecreate:
                try files.removeItem(atPath: harness.config)
                try await Task.sleep(for: .milliseconds(100))
                #expect(files.createFile(atPath: harness.config, contents: Data(after.utf8)))
            case .symlinkSwap:
                try Harness.write(after, to: versions + "/v2")
                try files.createSymbolicLink(atPath: harness.root + "/.link.new", withDestinationPath: "versions/v2")
                #expect(rename(harness.root + "/.link.new", harness.config) == 0)
            case .symlinkTargetEdit:
                try Harness.write(after, to: versions + "/v1")
            case .directoryRecreated:
                try files.removeItem(atPath: harness.root + "/conf")
                try files.createDirectory(atPath: harness.root + "/conf", withIntermediateDirectories: false)
                try Harness.write(after, to: config)
            case .directorySymlinkTargetEdit:
                try Harness.write(after, to: harness.root + "/s/v1/uproc.conf")
            case .configMapSwap:
                let k = harness.root + "/k"
                try files.createDirectory(atPath: k + "/..2026_b", withIntermediateDirectories: false)
                try Harness.write(after, to: k + "/..2026_b/uproc.conf")
                try files.createSymbolicLink(atPath: k + "/..data_tmp", withDestinationPath: "..2026_b")
                #expect(rename(k + "/..data_tmp", k + "/..data") == 0)
                try files.removeItem(atPath: k + "/..2026_a")
            }
            try await harness.waitUntil(namespace: "b", deadline: .seconds(1), "created by the reload") { _ in true }
            #expect(harness.outEntries() == [".uprocd.names", "a", "b"])

            // The file the config leads to now (a new target, a new
            // directory) is followed too.
            let target = try #require(Self.realPath(config))
            try Harness.write(after + "uid 4453 c\n", to: target)
            try await harness.waitUntil(namespace: "c", deadline: .seconds(1), "created by the reload of \(target)") { _ in true }
            try await daemon.stop()
            let strays = daemon.lines().filter { !Self.isLogRecord($0) }
            #expect(strays.isEmpty, "printed around the logger: \(strays)")
        }

        /// Whether `line` starts as the logger's records do (`2026-12-06T02:40:46+0000 info …`).
        static func isLogRecord(_ line: Substring) -> Bool {
            let words = line.split(separator: " ", maxSplits: 2)
            return words.count == 3 && words[0].count == 24 && words[0].dropFirst(4).first == "-"
                && ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(words[1])
        }

        static func realPath(_ path: String) -> String? {
            guard let resolved = realpath(path, nil) else { return nil }
            defer { free(resolved) }
            return String(cString: resolved)
        }

        @Test func anInvalidEditKeepsTheFilesAndLogsDiagnosticsThenAValidOneApplies() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4454 a\nuid 4455 b\n")
            let daemon = try await harness.startDaemon()
            let sleeper = try harness.spawn(uid: 4454, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "a", is: [sleeper])

            try harness.rewriteConfig("uid 4454 a\nfrob 1 c\n")
            let diagnostic = try await daemon.waitForLine(within: .seconds(2)) { $0.contains("\(harness.config):2:1: error: unknown key 'frob'") }
            #expect(diagnostic != nil, "no diagnostic logged\(harness.daemonLogTail())")
            let failure = try await daemon.waitForLine(within: .seconds(1)) { $0.contains("reload failed; keeping the previous rules") }
            #expect(failure?.contains("outcome=invalid") == true)
            #expect(harness.outEntries() == [".uprocd.names", "a", "b"])
            #expect(harness.pids("a") == [sleeper])

            try harness.rewriteConfig("uid 4454 a\nuid 4456 c\n")
            try await harness.waitUntil(namespace: "c", deadline: .seconds(1), "created") { _ in true }
            #expect(harness.outEntries() == [".uprocd.names", "a", "c"])
            #expect(harness.pids("a") == [sleeper])
            try await daemon.stop()
        }

        /// A deleted config keeps the last rules, with a warning, until it comes back.
        @Test func aDeletedConfigKeepsTheRulesUntilItComesBack() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4468 a\n")
            let daemon = try await harness.startDaemon()
            try FileManager.default.removeItem(atPath: harness.config)
            let warning = try await daemon.waitForLine(within: .seconds(1)) {
                $0.contains(" warning ") && $0.contains("reload failed; keeping the previous rules") && $0.contains("outcome=unreadable")
            }
            #expect(warning != nil, "\(harness.daemonLogTail())")
            #expect(harness.outEntries() == [".uprocd.names", "a"])
            try harness.rewriteConfig("uid 4468 a\nuid 4469 b\n")
            try await harness.waitUntil(namespace: "b", deadline: .seconds(1), "created") { _ in true }
            try await daemon.stop()
        }

        /// Rename one namespace, remove one, add one that matches running
        /// processes: they are listed at once; an untouched file is not rewritten.
        @Test func renameRemoveAndAddNamespaces() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4457 old\nuid 4458 gone\nuid 4459 same\n")
            let daemon = try await harness.startDaemon()
            let first = try harness.spawn(uid: 4457, gid: 4460, ["/bin/sleep", "30"]).pid
            let second = try harness.spawn(uid: 4459, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "old", is: [first])
            try await harness.waitUntil(namespace: "same", is: [second])
            let sameInode = try inode(harness.out + "/same")

            try harness.rewriteConfig("uid 4457 new\nuid 4459 same\ngid 4460 grp\n")
            try await harness.waitUntil(namespace: "grp", is: [first], deadline: .seconds(1))
            #expect(harness.pids("new") == [first])
            #expect(harness.outEntries() == [".uprocd.names", "grp", "new", "same"])
            #expect(try inode(harness.out + "/same") == sameInode, "an unchanged namespace was rewritten")
            let line = try #require(try await daemon.waitForLine(within: .seconds(2)) { $0.hasSuffix("reloaded") })
            let metadata = Daemon.metadata(line)
            #expect(metadata["added"] == "2")
            #expect(metadata["removed"] == "2")
            #expect(metadata["kept"] == "1")
            #expect(metadata["changed"] == "0")
            #expect(metadata["outcome"] == "applied")
            #expect(metadata["trigger"] == "inotify")
            #expect(metadata["ms"] != nil && metadata["reclassified"] != nil)
            // GIDs were read with the UIDs all along: no /proc rescan for
            // the first gid rule (the start-up scan is the only one).
            daemon.signal(SIGUSR1)
            let statistics = try #require(try await daemon.waitForLine(within: .seconds(2)) { $0.hasSuffix("statistics") })
            #expect(Daemon.metadata(statistics)["rescans"] == "1", "\(statistics)")
            try await daemon.stop()
        }

        /// The built-in default follows passwd and group: a user added the
        /// way useradd does it (passwd+ renamed over passwd) gets a file, a
        /// removed one loses it.
        @Test func underTheBuiltInDefaultAccountsFileEditsAddAndRemoveNamespaces() async throws {
            try Kernel.require()
            guard !FileManager.default.fileExists(atPath: "/etc/uproc.conf") else {
                Issue.record("/etc/uproc.conf exists: uprocd without -c would not run on its built-in default")
                return
            }
            let harness = try Harness(config: "")
            let passwd = harness.root + "/passwd", group = harness.root + "/group"
            try Harness.write("root:x:0:0:root:/root:/bin/sh\nalice4461:x:4461:4461::/:/bin/sh\n", to: passwd)
            try Harness.write("root:x:0:\nstaff4463:x:4463:\n", to: group)
            let daemon = try await harness.startDaemon(arguments: [
                "--accounts-files", "\(passwd):\(group)", "--min-interval", "1", "--log-level", "debug", harness.out,
            ])
            #expect(harness.outEntries() == [".uprocd.names", "gid.root", "gid.staff4463", "uid.alice4461", "uid.root"])
            let sleeper = try harness.spawn(uid: 4462, ["/bin/sleep", "30"]).pid

            try Harness.write("root:x:0:0:root:/root:/bin/sh\nalice4461:x:4461:4461::/:/bin/sh\nbob4462:x:4462:4462::/:/bin/sh\n",
                              to: passwd + "+")
            #expect(rename(passwd + "+", passwd) == 0)
            try await harness.waitUntil(namespace: "uid.bob4462", is: [sleeper], deadline: .seconds(1))

            try Harness.write("root:x:0:0:root:/root:/bin/sh\nbob4462:x:4462:4462::/:/bin/sh\n", to: passwd + "+")
            #expect(rename(passwd + "+", passwd) == 0)
            try Harness.write("root:x:0:\n", to: group)
            try await harness.waitForKernel("uid.alice4461 and gid.staff4463 gone", { harness.outEntries() ?? [] }) {
                $0 == [".uprocd.names", "gid.root", "uid.bob4462", "uid.root"]
            }
            try await daemon.stop()
        }

        /// 50 quick edits: the files end in the last edit's state after far
        /// fewer than 50 reloads.
        @Test func fiftyQuickEditsEndInTheLastStateWithFewReloads() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4464 ns0\n")
            let daemon = try await harness.startDaemon()
            for edit in 1...50 { try harness.rewriteConfig("uid 4464 ns\(edit)\n") }
            try await harness.waitUntil(namespace: "ns50", deadline: .seconds(1), "created") { _ in true }
            try await Task.sleep(for: .milliseconds(400))
            #expect(harness.outEntries() == [".uprocd.names", "ns50"])
            let reloads = daemon.lines().filter { $0.hasSuffix("reloaded") }.count
            #expect(reloads >= 1 && reloads <= 5, "\(reloads) reloads for 50 edits\(harness.daemonLogTail())")
            try await daemon.stop()
        }

        /// Another file in the config's directory changes nothing; the next
        /// edit of the config is the one reload.
        @Test func anUnrelatedFileInTheDirectoryCausesNoReload() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4465 a\n")
            let daemon = try await harness.startDaemon()
            for round in 0..<5 {
                try Harness.write("noise \(round)\n", to: harness.root + "/uproc.conf.bak")
                try Harness.write("noise \(round)\n", to: harness.root + "/other")
            }
            try FileManager.default.removeItem(atPath: harness.root + "/other")
            try await Task.sleep(for: .milliseconds(300))
            #expect(!daemon.log().contains("config watch"), "\(harness.daemonLogTail())")

            try harness.rewriteConfig("uid 4465 a\nuid 4466 b\n")
            try await harness.waitUntil(namespace: "b", deadline: .seconds(1), "created") { _ in true }
            try await Task.sleep(for: .milliseconds(100))
            // One reload (the save's trailing close may add a skipped one); no
            // event about the other files ever reached the loop.
            #expect(daemon.lines().filter { $0.hasSuffix("reloaded") || $0.contains("reload failed") }.count == 1, "\(harness.daemonLogTail())")
            #expect(!daemon.log().contains("uproc.conf.bak") && !daemon.log().contains("/other"), "\(harness.daemonLogTail())")
            try await daemon.stop()
        }

        /// A save that changes no byte is logged at debug, SIGHUP with
        /// nothing edited at info; neither touches a file.
        @Test func unchangedContentIsNotReloaded() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4467 a\n")
            let daemon = try await harness.startDaemon()
            let inodeBefore = try inode(harness.out + "/a")
            try harness.rewriteConfig("uid 4467 a\n")
            let skipped = try await daemon.waitForLine(within: .seconds(1)) { $0.contains("reload skipped: the rules' input is unchanged") }
            #expect(skipped?.contains("trigger=inotify") == true, "\(harness.daemonLogTail())")
            #expect(skipped?.contains(" debug ") == true, "an editor's extra events are no news: \(skipped ?? "")")
            // Asked for, a reload that finds nothing to do says so.
            daemon.signal(SIGHUP)
            let skippedAgain = try await daemon.waitForLine(within: .seconds(1)) { $0.contains("reload skipped") && $0.contains("trigger=SIGHUP") }
            #expect(skippedAgain?.contains(" info ") == true, "\(harness.daemonLogTail())")
            try await Task.sleep(for: .milliseconds(200))
            #expect(daemon.lines().count { $0.contains(" info ") && $0.contains("trigger=SIGHUP") } == 1, "\(harness.daemonLogTail())")
            #expect(!daemon.log().contains("reloaded"))
            #expect(try inode(harness.out + "/a") == inodeBefore)
            try await daemon.stop()
        }

        enum AccountKind: String, CaseIterable, CustomTestStringConvertible {
            case user, group
            var testDescription: String { rawValue }
        }

        /// A config naming an account that does not exist yet fails; adding
        /// it (useradd and groupadd rename `passwd+` over `passwd`) applies
        /// the config with no signal, whatever the running rules named.
        @Test(arguments: AccountKind.allCases)
        func aConfigNamingAMissingAccountAppliesOnceItIsAdded(_ kind: AccountKind) async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4477 a\n")
            let passwd = harness.root + "/passwd", group = harness.root + "/group"
            try Harness.write("root:x:0:0:root:/root:/bin/sh\n", to: passwd)
            try Harness.write("root:x:0:\n", to: group)
            let daemon = try await harness.startDaemon(arguments: [
                "-c", harness.config, "--accounts-files", "\(passwd):\(group)", "--min-interval", "1", "--log-level", "debug", harness.out,
            ])
            let rule = kind == .user ? "uid carol4478 b" : "gid staff4479 b"
            try harness.rewriteConfig("uid 4477 a\n\(rule)\n")
            let unknown = kind == .user ? "unknown user 'carol4478'" : "unknown group 'staff4479'"
            let failure = try await daemon.waitForLine(within: .seconds(2)) { $0.contains(unknown) }
            #expect(failure != nil, "\(harness.daemonLogTail())")
            #expect(harness.outEntries() == [".uprocd.names", "a"])

            let (file, line) = kind == .user ? (passwd, "carol4478:x:4478:4478::/:/bin/sh") : (group, "staff4479:x:4479:")
            let text = try String(contentsOfFile: file, encoding: .utf8)
            try Harness.write(text + line + "\n", to: file + "+")
            #expect(rename(file + "+", file) == 0)
            let member = try harness.spawn(uid: 4478, gid: 4479, ["/bin/sleep", "30"]).pid
            try await harness.waitUntil(namespace: "b", is: [member], deadline: .seconds(2))
            try await daemon.stop()
        }

        /// After a failed reload, an edit back to the running rules says at
        /// info that the config is good again: the error is not the last word.
        @Test func anEditBackToTheRunningRulesAfterAFailureSaysSo() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4479 a\n")
            let daemon = try await harness.startDaemon()
            try harness.rewriteConfig("uid 4479 a\nfrob 1 b\n")
            let failure = try await daemon.waitForLine(within: .seconds(2)) { $0.contains("reload failed; keeping the previous rules") }
            #expect(failure != nil, "\(harness.daemonLogTail())")
            try harness.rewriteConfig("uid 4479 a\n")
            let valid = try await daemon.waitForLine(within: .seconds(2)) { $0.contains("config valid again; rules unchanged") }
            #expect(valid?.contains(" info ") == true, "\(harness.daemonLogTail())")
            #expect(valid?.contains("trigger=inotify") == true, "\(valid ?? "")")
            try await Task.sleep(for: .milliseconds(300))
            #expect(daemon.lines().count { $0.contains("config valid again") } == 1, "\(harness.daemonLogTail())")
            #expect(daemon.lines().count { $0.contains("reload failed") } == 1, "\(harness.daemonLogTail())")
            #expect(!daemon.log().contains("reloaded"))
            try await daemon.stop()
        }

        private func inode(_ path: String) throws -> UInt64 {
            var status = stat()
            guard stat(path, &status) == 0 else { throw HarnessError("stat \(path): \(String(cString: strerror(errno)))") }
            return UInt64(status.st_ino)
        }
    }
}
