import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// Owning the directory: the lock, clean and unclean stops, refused directories and configs.
    @Suite struct Lifecycle {
        @Test func secondDaemonOnTheSameDirectoryRefusesAndSIGTERMEmptiesTheDirectory() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4231 a\nuid 4232 b\n")
            let first = try await harness.startDaemon()
            #expect(harness.outEntries() == [".uprocd.names", "a", "b"])

            let second = try harness.launchDaemon()
            let status = try await second.waitForExit()
            #expect(status == 1, "second uprocd: \(second.exitDescription)")
            let refusal = second.log()
            #expect(refusal.contains("\(first.pid)"), "stderr names not the first daemon's PID \(first.pid): \(refusal)")
            // The first daemon's files are untouched.
            #expect(first.isRunning)
            #expect(harness.outEntries() == [".uprocd.names", "a", "b"])

            try await first.stop()
            #expect(harness.outEntries() == nil, "a stopped daemon left its directory behind")
        }

        @Test func secondDaemonRefusalSaysInUse() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4231 a\n")
            let first = try await harness.startDaemon()
            let second = try harness.launchDaemon()
            let status = try await second.waitForExit()
            #expect(status == 1, "second uprocd: \(second.exitDescription)")
            let refusal = second.log()
            #expect(refusal.contains("in use"), "stderr: \(refusal)")
            #expect(refusal.contains("\(first.pid)"), "stderr: \(refusal)")
            try await first.stop()
        }

        /// Whether the directory existed before the daemon started (as
        /// systemd's RuntimeDirectory= makes it), and whether someone else put
        /// a file in it while the daemon ran.
        enum DirectoryAtStop: String, CaseIterable, CustomTestStringConvertible, Sendable {
            case createdByTheDaemon, existingBefore, createdWithAFileAdded
            var testDescription: String { rawValue }
        }

        @Test(arguments: [SIGTERM, SIGINT], DirectoryAtStop.allCases)
        func cleanStopRemovesEveryFileAndTheDirectoryItCreated(signal: Int32, directory: DirectoryAtStop) async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4238 a\ncmd uproctestnone none\n")
            if directory == .existingBefore {
                try FileManager.default.createDirectory(atPath: harness.out, withIntermediateDirectories: false,
                                                        attributes: [.posixPermissions: 0o755])
            }
            let daemon = try await harness.startDaemon()
            let sleeper = try harness.spawn(uid: 4238, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid])
            if directory == .createdWithAFileAdded { try Harness.write("mine\n", to: harness.out + "/.notes") }
            daemon.signal(signal)
            let status = try await daemon.waitForExit()
            #expect(status == 0, "uprocd after signal \(signal): \(daemon.exitDescription)")
            // A stopped daemon must not look like a live one, and leaves what it found.
            switch directory {
            case .createdByTheDaemon: #expect(harness.outEntries() == nil, "the directory uprocd created stayed")
            case .existingBefore: #expect(harness.outEntries() == [])
            case .createdWithAFileAdded: #expect(harness.outEntries() == [".notes"])
            }
        }

        @Test func badUsageExits64() async throws {
            let harness = try Harness(config: "uid 4239 a\n")
            let daemon = try harness.launchDaemon(arguments: ["--no-such-option", harness.out])
            let status = try await daemon.waitForExit()
            #expect(status == 64, "uprocd: \(daemon.exitDescription)")
            #expect(harness.outEntries() == nil, "a usage error created the directory")
        }

        /// A restart replaces each configured namespace's file
        /// atomically (readers never miss it); only files of namespaces no longer
        /// configured go.
        @Test func restartAfterSIGKILLKeepsFilesForReadersAndRemovesOnlyUnconfiguredOnes() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4233 a\ngid 4234 g\nuid 4239 gone\n")
            let first = try await harness.startDaemon()
            let sleeper = try harness.spawn(uid: 4233, gid: 4234, ["/bin/sleep", "30"])
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid])

            first.signal(SIGKILL)
            _ = try await first.waitForExit()
            #expect(harness.outEntries() == [".uprocd.names", "a", "g", "gone"], "SIGKILL cannot clean up; the files stay")
            try harness.rewriteConfig("uid 4233 a\ngid 4234 g\n")

            // A reader polls `a` through the whole restart.
            let watcher = MissingFileWatcher(path: harness.out + "/a")
            let second = try harness.launchDaemon()
            try await second.waitForStarted()
            try await harness.waitUntil(namespace: "a", is: [sleeper.pid])
            let (reads, missing) = watcher.stop()
            #expect(reads > 10)
            #expect(missing == 0, "out/a was missing in \(missing) of \(reads) reads during the restart")
            #expect(harness.outEntries() == [".uprocd.names", "a", "g"])
            harness.killAndReap(sleeper)
            try await harness.waitUntil(namespace: "a", is: [])
            try await second.stop()
            #expect(harness.outEntries() == [])
        }

        enum RefusedDirectory: String, CaseIterable, CustomTestStringConvertible, Sendable {
            case symlink, worldWritable, groupWritable, notADirectory
            var testDescription: String { rawValue }
            /// Words one of which the refusal must contain.
            var reasons: [String] {
                switch self {
                case .symlink: ["symlink", "symbolic link"]
                case .worldWritable, .groupWritable: ["writable"]
                case .notADirectory: ["not a directory"]
                }
            }
        }

        @Test(arguments: RefusedDirectory.allCases)
        func refusedDirectory(_ kind: RefusedDirectory) async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4235 a\n")
            let elsewhere = harness.root + "/elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o755])
            switch kind {
            case .symlink:
                try FileManager.default.createSymbolicLink(atPath: harness.out, withDestinationPath: elsewhere)
            case .worldWritable, .groupWritable:
                try FileManager.default.createDirectory(atPath: harness.out, withIntermediateDirectories: false)
                #expect(chmod(harness.out, kind == .worldWritable ? 0o777 : 0o775) == 0)
            case .notADirectory:
                try Harness.write("not a directory\n", to: harness.out)
            }

            let daemon = try harness.launchDaemon()
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd: \(daemon.exitDescription)")
            let stderr = daemon.log()
            #expect(stderr.contains(harness.out), "the refusal names not the path: \(stderr)")
            #expect(kind.reasons.contains { stderr.lowercased().contains($0) }, "the refusal gives not the reason (\(kind.reasons)): \(stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere) == [])
            if kind == .worldWritable || kind == .groupWritable {
                #expect(harness.outEntries() == [])
            }
        }

        @Test func missingConfigExitsOneAndWritesNothing() async throws {
            try Kernel.require()
            let harness = try Harness(config: "")
            let missing = harness.root + "/absent.conf"
            let daemon = try harness.launchDaemon(arguments: ["-c", missing, "--min-interval", "1", harness.out])
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd: \(daemon.exitDescription)")
            let stderr = daemon.log()
            #expect(stderr.contains("\(missing):"), "stderr: \(stderr)")
            #expect(stderr.contains("No such file or directory"), "stderr: \(stderr)")
            #expect((harness.outEntries() ?? []).filter { !$0.hasPrefix(".") } == [])
        }

        @Test func configThatDoesNotCompileExitsOneWithTheDiagnostics() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4236 ok\nfrob 1 bad\nuid 4237 ok\n")
            let daemon = try harness.launchDaemon()
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd: \(daemon.exitDescription)")
            let stderr = daemon.log()
            // Every error, each with its position.
            #expect(stderr.contains("\(harness.config):2:1: error: unknown key 'frob'"), "stderr: \(stderr)")
            #expect(stderr.contains("\(harness.config):3:10: error: duplicate namespace 'ok'"), "stderr: \(stderr)")
            #expect((harness.outEntries() ?? []).filter { !$0.hasPrefix(".") } == [])
        }

        /// The contract: diagnostics "exactly as `uproc-check` prints them".
        @Test func diagnosticsAreExactlyThoseOfUprocCheck() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4236 ok\nfrob 1 bad\nuid 4237 ok\n")
            let check = try await harness.run([Harness.buildDirectory + "/uproc-check", harness.config], stderr: true)
            #expect(check.exit == .exited(1))
            // uproc-check's diagnostics, without its closing summary line ("FILE: invalid: 2 errors, 0 warnings").
            var expected = check.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast(2).joined(separator: "\n") + "\n"
            #expect(expected.hasPrefix("\(harness.config):2:1: error: "), "uproc-check printed: \(check.output)")
            if !expected.hasPrefix(harness.config) { expected = "(uproc-check output not understood)" }

            let daemon = try harness.launchDaemon()
            let status = try await daemon.waitForExit()
            #expect(status == 1, "uprocd: \(daemon.exitDescription)")
            let stderr = daemon.log()
            #expect(stderr.contains(expected), "uproc-check:\n\(expected)\nuprocd:\n\(stderr)")
        }
    }
}
