import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// IDs 4451–4482: 4250–4299 are taken by other suites, and other test runs on
    /// this machine start processes with them while these tests look at all processes.
    /// A config caught mid-edit, a FIFO, standard input or a file others may
    /// write must not take the namespace files (or the daemon) down.
    @Suite struct ConfigSafety {
        @Test(arguments: ["", "# only a comment\n\n"])
        func anEmptyConfigIsAnErrorAtStartUnlessAllowed(_ text: String) async throws {
            try Kernel.require()
            let harness = try Harness(config: text)
            let refused = try harness.launchDaemon()
            #expect(try await refused.waitForExit() == 1, "uprocd: \(refused.exitDescription)")
            #expect(refused.log().contains("\(harness.config): no rules; refusing an empty config"), "\(refused.log())")

            let allowed = try await harness.startDaemon(arguments: ["-c", harness.config, "--allow-empty", "--min-interval", "1", harness.out])
            #expect(harness.outEntries() == [".uprocd.names"])
            try await allowed.stop()
        }

        /// `> /etc/uproc.conf` mid-edit, then SIGHUP: refused like a broken edit.
        @Test func aReloadToAnEmptyConfigKeepsTheRulesAndFiles() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4471 a\nuid 4472 b\n")
            let daemon = try await harness.startDaemon()
            #expect(truncate(harness.config, 0) == 0)
            daemon.signal(SIGHUP)
            let refused = try await daemon.waitForLine(within: .seconds(2)) { $0.contains("outcome=empty") }
            #expect(refused != nil, "\(harness.daemonLogTail())")
            #expect(daemon.log().contains("\(harness.config): no rules; refusing an empty config"))
            try await Task.sleep(for: .milliseconds(100))
            #expect(harness.outEntries() == [".uprocd.names", "a", "b"])
            try await daemon.stop()
        }

        @Test func aFIFOIsRefusedByUprocCheckAndUprocd() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4473 a\n")
            let fifo = harness.root + "/fifo.conf"
            #expect(mkfifo(fifo, 0o644) == 0)
            let check = try await harness.run([Harness.buildDirectory + "/uproc-check", fifo], stderr: true, within: .seconds(5))
            #expect(check.exit == .exited(2), "\(check.output)")
            #expect(check.output.contains("\(fifo): not a regular file"), "\(check.output)")

            let daemon = try harness.launchDaemon(arguments: ["-c", fifo, harness.out])
            #expect(try await daemon.waitForExit(within: .seconds(5)) == 1, "uprocd: \(daemon.exitDescription)")
            #expect(daemon.log().contains("\(fifo): not a regular file"), "\(daemon.log())")
        }

        @Test func uprocCheckStillReadsStandardInput() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4473 a\n")
            let input = open(harness.config, O_RDONLY | O_CLOEXEC)
            defer { close(input) }
            let child = try Child([Harness.buildDirectory + "/uproc-check", "-"], stdin: .fd(input))
            #expect(try await child.waitForExit(within: .seconds(5)) == .exited(0))
        }

        /// A FIFO renamed over the config before SIGHUP: the reload is
        /// refused at once and the daemon still stops on SIGTERM.
        @Test func aFIFOSwappedInDoesNotFreezeTheDaemon() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4474 a\n")
            let daemon = try await harness.startDaemon()
            #expect(mkfifo(harness.root + "/fifo", 0o644) == 0)
            #expect(rename(harness.root + "/fifo", harness.config) == 0)
            daemon.signal(SIGHUP)
            let refused = try await daemon.waitForLine(within: .seconds(2)) { $0.contains("\(harness.config): not a regular file") }
            #expect(refused != nil, "\(harness.daemonLogTail())")
            #expect(harness.outEntries() == [".uprocd.names", "a"])
            try await daemon.stop()
        }

        /// A config linked to a device is refused by its type, at start and
        /// at a reload, without opening the device (opening a terminal or a
        /// tape has effects); the running rules and files stay.
        @Test func aConfigLinkedToADeviceIsNeverOpened() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4481 a\n")
            var null = stat()
            #expect(stat("/dev/null", &null) == 0)
            let device = harness.root + "/null"
            #expect(mknod(device, S_IFCHR | 0o666, null.st_rdev) == 0, "mknod: \(String(cString: strerror(errno)))")
            let link = harness.root + "/linked.conf"
            #expect(symlink(device, link) == 0)
            let watch = try OpenWatch(device)

            let refused = try harness.launchDaemon(arguments: ["-c", link, harness.out])
            #expect(try await refused.waitForExit(within: .seconds(5)) == 1, "uprocd: \(refused.exitDescription)")
            #expect(refused.log().contains("\(link): not a regular file"), "\(refused.log())")

            let daemon = try await harness.startDaemon()
            #expect(rename(link, harness.config) == 0)
            daemon.signal(SIGHUP)
            let line = try await daemon.waitForLine(within: .seconds(5)) { $0.contains("\(harness.config): not a regular file") }
            #expect(line != nil, "\(harness.daemonLogTail())")
            #expect(harness.outEntries() == [".uprocd.names", "a"])
            #expect(watch.events() == [], "the device was opened")
            try await daemon.stop()
        }

        /// A config over the size limit is refused by its size, unread: a
        /// sparse 100 GiB file saved over the config costs the daemon no
        /// memory, and the running rules and files stay.
        @Test func anOversizedConfigIsRefusedUnread() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4482 a\n")
            let daemon = try await harness.startDaemon()
            let before = try #require(Self.peakMemory(daemon.pid))
            let sparse = harness.root + "/sparse.conf"
            #expect(FileManager.default.createFile(atPath: sparse, contents: nil))
            #expect(truncate(sparse, 100 << 30) == 0)
            let watch = try OpenWatch(sparse)
            #expect(rename(sparse, harness.config) == 0)
            let line = try await daemon.waitForLine(within: .seconds(5)) { $0.contains("\(harness.config): larger than 64 MiB") }
            #expect(line != nil, "\(harness.daemonLogTail())")
            #expect(watch.events() == [], "the file was opened or read")
            let after = try #require(Self.peakMemory(daemon.pid))
            #expect(after - before < 16 << 10, "VmHWM grew from \(before) to \(after) kB")
            #expect(harness.outEntries() == [".uprocd.names", "a"])
            try await daemon.stop()
        }

        /// VmHWM of `pid`, in kB.
        static func peakMemory(_ pid: Int32) -> Int? {
            Harness.procText(pid, "status")?.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }?
                .split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }

        /// `uprocd -c -` read its rules once: SIGHUP says so instead of
        /// reloading an empty file.
        @Test func sighupWithRulesFromStandardInputExplainsAndKeepsTheRules() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4475 a\n")
            let input = open(harness.config, O_RDONLY | O_CLOEXEC)
            defer { close(input) }
            let daemon = try harness.launchDaemon(
                arguments: ["-c", "-", "--min-interval", "1", "--log-level", "debug", harness.out], stdin: .fd(input))
            try await daemon.waitForStarted()
            #expect(harness.outEntries() == [".uprocd.names", "a"])
            daemon.signal(SIGHUP)
            let line = try await daemon.waitForLine(within: .seconds(2)) { $0.contains("standard input, which cannot be read again") }
            #expect(line != nil, "\(harness.daemonLogTail())")
            #expect(harness.outEntries() == [".uprocd.names", "a"])
            try await daemon.stop()
        }

        /// Like sshd's StrictModes: rules others can write are warned about,
        /// at start and at each reload.
        @Test func aConfigOthersCanWriteIsWarnedAboutAtStartAndReload() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4476 a\n")
            #expect(chmod(harness.config, 0o666) == 0)
            let daemon = try await harness.startDaemon()
            let warning = "unsafe config permissions: file \(harness.config) is writable by everyone"
            #expect(daemon.lines().filter { $0.contains(warning) }.count == 1, "\(harness.daemonLogTail())")
            daemon.signal(SIGHUP)
            _ = try await daemon.waitForLine(within: .seconds(2)) { $0.contains("reload skipped") }
            #expect(daemon.lines().filter { $0.contains(warning) }.count == 2, "\(harness.daemonLogTail())")
            try await daemon.stop()

            // The directory, and an owner that is not root (not the output
            // directory's parent: the daemon refuses that one outright).
            let etc = harness.root + "/etc"
            try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: false)
            #expect(chmod(etc, 0o775) == 0)
            let config = etc + "/uproc.conf"
            try Harness.write("uid 4476 a\n", to: config)
            #expect(chmod(config, 0o644) == 0)
            #expect(chown(config, 4476, 4476) == 0)
            let second = try await harness.startDaemon(arguments: ["-c", config, "--min-interval", "1", harness.out])
            let log = second.log()
            #expect(log.contains("unsafe config permissions: file \(config) is owned by uid 4476"), "\(log)")
            #expect(log.contains("unsafe config permissions: directory \(etc) is writable by group"), "\(log)")
            try await second.stop()
        }
    }
}
