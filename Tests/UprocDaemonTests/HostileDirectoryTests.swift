import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// The output directory: never destroy, never trust what others can change, repair.
    @Suite struct HostileDirectory {
        /// Repairs are promised within one second (the watch reacts at once, the
        /// inspection runs every second); more for a loaded 2-core machine.
        static let repairBound: Duration = .milliseconds(2500)

        @Test func foreignEntriesAreRefusedAndNeverDeleted() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            try FileManager.default.createDirectory(atPath: harness.out + "/emptydir", withIntermediateDirectories: true)
            chmod(harness.out, 0o755)
            try Harness.write("keep me\n", to: harness.out + "/notes.txt")
            try Harness.write("keep me\n", to: harness.out + "/.hidden")
            let daemon = try harness.launchDaemon()
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd: \(daemon.exitDescription)")
            let stderr = daemon.log()
            #expect(stderr.contains(harness.out) && stderr.contains("did not create") && stderr.contains("notes.txt"), "stderr: \(stderr)")
            #expect(harness.outEntries() == [".hidden", "emptydir", "notes.txt"])
            #expect(harness.content("notes.txt") == "keep me\n")
        }

        /// A record of names planted in the directory (in the daemon's own
        /// format, by its own user) names files outside it, absolute paths,
        /// a NUL, dot files: the daemon removes none of them, at start or at
        /// stop, and none is followed.
        @Test func plantedRecordEntriesAreNeverFollowed() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4483 a\n")
            try FileManager.default.createDirectory(atPath: harness.out, withIntermediateDirectories: false)
            chmod(harness.out, 0o755)
            let victims = [harness.root + "/victim", harness.root + "/abs.victim"]
            for victim in victims { try Harness.write("keep me\n", to: victim) }
            let outside = harness.root + "/x"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: false)
            try Harness.write("keep me\n", to: outside + "/v")
            let planted = ["../victim", victims[1], "victim\u{0}x", "..", ".", "../x", "../x/v", ".uprocd.names", "a/../../victim"]
            try Harness.write("# uprocd namespace files (do not edit)\n" + planted.joined(separator: "\n") + "\n",
                              to: harness.out + "/.uprocd.names")

            let daemon = try await harness.startDaemon()
            #expect(harness.outEntries() == [".uprocd.names", "a"])
            try await daemon.stop()
            #expect(harness.outEntries() == [])
            for victim in victims + [outside + "/v"] {
                #expect((try? String(contentsOfFile: victim, encoding: .utf8)) == "keep me\n", "\(victim)")
            }
        }

        // Nothing is touched before the kernel subscription is confirmed.
        @Test func aStartThatCannotFollowTheKernelTouchesNothing() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            // A previous daemon's files (killed, so they stay).
            let first = try await harness.startDaemon()
            first.signal(SIGKILL)
            _ = try await first.waitForExit()
            let before = harness.outEntries()
            #expect(before == [".uprocd.names", "a"])
            // In a new PID namespace the kernel sends no process events.
            let daemon = try Daemon(executable: "/usr/bin/unshare",
                                    arguments: ["--pid", "--fork", Harness.uprocd, "-c", harness.config, harness.out],
                                    logPath: harness.root + "/pidns.log")
            defer {
                daemon.signal(SIGKILL)
                _ = daemon.child.reap(within: .seconds(5))
            }
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd in a PID namespace: \(daemon.exitDescription)\n\(daemon.log())")
            #expect(harness.outEntries() == before)
        }

        @Test func aDirectoryOwnedByAnotherUserIsRefused() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            try FileManager.default.createDirectory(atPath: harness.out, withIntermediateDirectories: false)
            chmod(harness.out, 0o755)
            chown(harness.out, 4252, 4252)
            let daemon = try harness.launchDaemon()
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd: \(daemon.exitDescription)")
            #expect(daemon.log().contains("owned by UID 4252"), "stderr: \(daemon.log())")
            #expect(harness.outEntries() == [])
        }

        // As sshd's StrictModes.
        @Test func aParentOthersCanWriteWithoutTheStickyBitIsRefused() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            let parent = harness.root + "/open"
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: false)
            chmod(parent, 0o777)
            let out = parent + "/out"
            let daemon = try harness.launchDaemon(arguments: ["-c", harness.config, out])
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd: \(daemon.exitDescription)")
            #expect(daemon.log().contains("\(parent) is writable by others"), "stderr: \(daemon.log())")
            #expect(!FileManager.default.fileExists(atPath: out))
            // With the sticky bit (as /tmp, /dev/shm) it is fine.
            chmod(parent, 0o1777)
            let accepted = try await harness.startDaemon(arguments: ["-c", harness.config, out])
            try await accepted.stop()
        }

        // The message names the owner, not a mode that is fine.
        @Test func aParentOwnedByAnotherUserIsRefusedNamingTheOwner() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            let parent = harness.root + "/theirs"
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: false)
            chmod(parent, 0o755)
            chown(parent, 4252, 4252)
            let out = parent + "/out"
            let daemon = try harness.launchDaemon(arguments: ["-c", harness.config, out])
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd: \(daemon.exitDescription)")
            #expect(daemon.log().contains("\(parent) is owned by UID 4252, not by root"), "stderr: \(daemon.log())")
            #expect(!daemon.log().contains("writable by others"), "stderr: \(daemon.log())")
            #expect(!FileManager.default.fileExists(atPath: out))
        }

        // Checked while running, not only at start.
        @Test func aModeChangeAtRunTimeIsReportedAndRepaired() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            let daemon = try await harness.startDaemon()
            chmod(harness.out, 0o777)
            let line = try await daemon.waitForLine(within: .seconds(3)) { $0.contains("mode was changed to 777") }
            #expect(line != nil, "no report of the chmod\(harness.daemonLogTail())")
            let mode = try FileManager.default.attributesOfItem(atPath: harness.out)[.posixPermissions] as? Int
            #expect(mode == 0o755)
            try await daemon.stop()
        }

        // No fixed temporary name a planted entry can block.
        @Test func aPlantedEntryCannotBlockPublishing() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            let daemon = try await harness.startDaemon()
            for name in [".uproc.tmp", ".uprocd.tmp.\(daemon.pid).1"] {
                try FileManager.default.createDirectory(atPath: harness.out + "/" + name, withIntermediateDirectories: false)
            }
            let sleeper = try harness.spawn(uid: 4251, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid])
            try await daemon.stop()
        }

        @Test func deletingDotFilesLetsNoSecondDaemonIn() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            let first = try await harness.startDaemon()
            for name in harness.outEntries() ?? [] where name.hasPrefix(".") {
                unlink(harness.out + "/" + name)
            }
            let second = try harness.launchDaemon()
            let status = try await second.waitForExit()
            #expect(status == 1, "second uprocd: \(second.exitDescription)")
            #expect(second.log().contains("in use by another uprocd (PID \(first.pid))"), "stderr: \(second.log())")
            #expect(harness.content("a") == "")
            #expect(first.isRunning)
            try await first.stop()
        }

        @Test func aDeletedDirectoryIsRecreatedWithinOneSecond() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\nuid 4253 quiet\n")
            let daemon = try await harness.startDaemon()
            let sleeper = try harness.spawn(uid: 4251, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid])
            _ = try await harness.run(["/bin/rm", "-rf", harness.out])
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid], deadline: Self.repairBound)
            try await harness.waitUntil(namespace: "quiet", is: [], deadline: Self.repairBound)
            let errors = daemon.lines().count { $0.contains(" error ") }
            #expect(errors < 10, "\(errors) error lines\(harness.daemonLogTail())")
            try await daemon.stop()
        }

        /// A deleted directory let a second daemon in (the first's lock is on
        /// the deleted inode): the path is the second's. The first never
        /// touches it, says so once and exits 1; the second serves on.
        @Test func aDaemonWhosePathAnotherTookOverSaysSoOnceAndExits() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\nuid 4253 quiet\n")
            let first = try await harness.startDaemon()
            // Stopped, the first cannot recreate the directory before the second starts.
            first.signal(SIGSTOP)
            _ = try await harness.run(["/bin/rm", "-rf", harness.out])
            let second = try await harness.startDaemon()
            let entries = harness.outEntries()
            #expect(entries == [".uprocd.names", "a", "quiet"])
            let record = harness.content(".uprocd.names")
            first.signal(SIGCONT)

            let status = try await first.waitForExit(within: .seconds(10))
            #expect(status == 1, "first uprocd: \(first.exitDescription)\n\(first.log())")
            let reports = first.lines().filter { $0.contains("another uprocd (PID \(second.pid)) serves this path now") }
            #expect(reports.count == 1, "\(first.log())")
            #expect(!first.log().contains("cannot write namespace file"), "\(first.log())")
            // The second's directory is as it made it, and it keeps serving.
            #expect(harness.outEntries() == entries)
            #expect(harness.content(".uprocd.names") == record)
            let sleeper = try harness.spawn(uid: 4251, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid])
            #expect(harness.content("quiet") == "")
            #expect(second.isRunning)
            #expect(!second.log().contains(" error "), "\(second.log())")
            try await second.stop()
        }

        // A path that cannot be the directory is reported once, then
        // the directory comes back as soon as it can.
        @Test func aDirectoryReplacedByAFileIsReportedOnceAndRecreatedWhenPossible() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\n")
            let daemon = try await harness.startDaemon()
            #expect(rename(harness.out, harness.root + "/moved") == 0)
            try Harness.write("not a directory\n", to: harness.out)
            try await Task.sleep(for: .milliseconds(2500))
            let reports = daemon.lines().filter { $0.contains("not a directory") }
            #expect(reports.count == 1, "\(reports.count) reports\(harness.daemonLogTail())")
            unlink(harness.out)
            try await harness.waitUntil(namespace: "a", is: [], deadline: Self.repairBound)
            #expect(harness.outEntries() == [".uprocd.names", "a"])
            try await daemon.stop()
        }

        // A quiet namespace's file, deleted or replaced, comes back.
        @Test func aDeletedOrReplacedFileOfAQuietNamespaceIsRepairedWithinOneSecond() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\nuid 4253 quiet\n")
            let daemon = try await harness.startDaemon()
            let sleeper = try harness.spawn(uid: 4253, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "quiet", is: [sleeper.pid])
            unlink(harness.out + "/quiet")
            try await harness.waitUntil(namespace: "quiet", is: [sleeper.pid], deadline: Self.repairBound)
            // A forged file moved into place.
            try Harness.write("1\n", to: harness.root + "/forged")
            #expect(rename(harness.root + "/forged", harness.out + "/quiet") == 0)
            try await harness.waitUntil(namespace: "quiet", is: [sleeper.pid], deadline: Self.repairBound)
            // Made writable by others (chmod by root): replaced by a 0444 file.
            chmod(harness.out + "/quiet", 0o666)
            try await harness.waitForKernel("out/quiet back to 0444", {
                (try? FileManager.default.attributesOfItem(atPath: harness.out + "/quiet")[.posixPermissions] as? Int) ?? 0
            }, until: { $0 == 0o444 })
            try await daemon.stop()
        }

        // Without hidepid: world-readable, writable by nobody.
        @Test func withoutHidepidFilesAreWorldReadableOnly() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4251 a\ncmd uproctestnone c\n")
            let daemon = try await harness.startDaemon()
            for name in ["a", "c"] {
                let mode = try FileManager.default.attributesOfItem(atPath: harness.out + "/" + name)[.posixPermissions] as? Int
                #expect(mode == 0o444, "out/\(name)")
            }
            try await daemon.stop()
        }

        /// Whether `cat` of namespace file `name` succeeds as that user and group.
        static func canRead(_ harness: Harness, _ name: String, uid: UInt32, gid: UInt32) async throws -> Bool {
            let result = try await harness.run(Harness.setpriv(uid: uid, gid: gid) + ["/bin/cat", harness.out + "/" + name])
            return result.exit == .exited(0)
        }

        @Test func underHidepidFilesAreNoMoreRevealingThanProc() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 0 uid.0\nuid 4251 uid.4251\ncmd sleep cmd.sleep\n")
            let hidden = try harness.daemonUnderHidepid()
            defer {
                hidden.signal(SIGKILL)
                _ = hidden.child.reap(within: .seconds(5))
            }
            let started = try await hidden.waitForStarted()
            #expect(started["proc"] == "hidepid=invisible,gid=4254,subset=pid", "\(started)")
            let mine = try harness.spawn(uid: 4251, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "uid.4251", is: [mine.pid])
            try await harness.waitUntil(namespace: "cmd.sleep") { $0.contains(mine.pid) }

            func canRead(_ name: String, uid: UInt32, gid: UInt32) async throws -> Bool {
                try await Self.canRead(harness, name, uid: uid, gid: gid)
            }
            #expect(try await canRead("uid.4251", uid: 4251, gid: 4251), "a user reads the file of their own processes")
            #expect(try await !canRead("uid.0", uid: 4251, gid: 4251), "another user's PIDs are hidden as in /proc")
            #expect(try await !canRead("cmd.sleep", uid: 4251, gid: 4251), "who runs what is hidden as in /proc")
            #expect(try await canRead("uid.0", uid: 4255, gid: 4254), "the gid= group sees everything, as in /proc")
            #expect(try await canRead("cmd.sleep", uid: 4255, gid: 4254))
            // The user cannot make their file writable.
            let chmodded = try await harness.run(Harness.setpriv(uid: 4251) + ["/bin/chmod", "666", harness.out + "/uid.4251"])
            #expect(chmodded.exit != .exited(0))
            hidden.signal(SIGTERM)
            #expect(try await hidden.waitForExit() == 0)
        }

        /// Trees, logins and templates under hidepid: a file one user's
        /// processes alone can be in (an account template's) is that user's;
        /// a tree's, a login's or a command template's can list anyone's
        /// processes, so only the gid= group reads them, as in /proc.
        @Test func underHidepidTreeLoginAndTemplateFilesAreNoMoreRevealingThanProc() async throws {
            try Kernel.require()
            let harness = try Harness(config: "tree uid 4251 tree.4251\nloginuid 4251 login.4251\nuid * u.{uid}\ncmd \"uprochp*\" c.{cmd}\n")
            let hidden = try harness.daemonUnderHidepid()
            defer {
                hidden.signal(SIGKILL)
                _ = hidden.child.reap(within: .seconds(5))
            }
            _ = try await hidden.waitForStarted()
            let link = try harness.link("uprochp1", to: "/bin/sleep")
            let mine = try harness.spawn(uid: 4251, [link, "30"])
            try await harness.waitUntil(namespace: "u.4251", is: [mine.pid])
            try await harness.waitUntil(namespace: "tree.4251", is: [mine.pid])
            try await harness.waitUntil(namespace: "c.uprochp1", is: [mine.pid])

            func canRead(_ name: String, uid: UInt32, gid: UInt32) async throws -> Bool {
                try await Self.canRead(harness, name, uid: uid, gid: gid)
            }
            #expect(try await canRead("u.4251", uid: 4251, gid: 4251), "an account template's file is its user's")
            #expect(try await !canRead("u.4251", uid: 4256, gid: 4256), "and no other user's")
            for name in ["tree.4251", "login.4251", "c.uprochp1"] {
                #expect(try await !canRead(name, uid: 4251, gid: 4251), "\(name) may list other users' processes")
                #expect(try await canRead(name, uid: 4255, gid: 4254), "the gid= group reads \(name), as it reads /proc")
            }
            hidden.signal(SIGTERM)
            #expect(try await hidden.waitForExit() == 0)
        }
    }
}

