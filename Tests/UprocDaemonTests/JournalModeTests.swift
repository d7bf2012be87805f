import Foundation
import Testing
import UprocLinux
import UprocTestSupport

extension UprocdEndToEnd {
    /// uprocd as systemd runs it with `StandardError=journal`: `JOURNAL_STREAM`
    /// names its stderr, and journald's native socket takes multi-line records.
    /// The socket is ours: a private mount namespace puts a directory of the
    /// test over /run/systemd for the daemon alone.
    @Suite struct JournalMode {
        /// A daemon whose stderr is `log` (JOURNAL_STREAM names it) and whose
        /// /run/systemd/journal/socket is the returned receiver.
        static func launch(_ harness: Harness, arguments: [String]? = nil) throws -> (Daemon, UnixDatagramReceiver, log: String) {
            let systemd = harness.root + "/systemd"
            try FileManager.default.createDirectory(atPath: systemd + "/journal", withIntermediateDirectories: true)
            let journal = try UnixDatagramReceiver(address: try #require(UnixSocketAddress(systemd + "/journal/socket")))
            let log = harness.root + "/journal-stream.log"
            #expect(FileManager.default.createFile(atPath: log, contents: nil))
            let fd = open(log, O_RDONLY | O_CLOEXEC)
            defer { close(fd) }
            let stream = try #require(JournalStream.identity(of: fd))
            let wrapper = ["/usr/bin/unshare", "-m", "sh", "-c", #"mount --make-rprivate / && mount --bind "$0" /run/systemd && exec "$@""#, systemd]
            let daemon = try harness.launchDaemon(arguments: arguments, environment: ["JOURNAL_STREAM=\(stream)"],
                                                  wrapper: wrapper, logPath: log)
            return (daemon, journal, log)
        }

        static func fields(_ datagram: [UInt8]?, _ daemon: Daemon? = nil) throws -> [String: String] {
            try JournalFields.parse(try #require(datagram, "no record on the journal socket; stderr: \(daemon?.log() ?? "")"))
        }

        @Test func aConfigErrorAtStartIsOneRecordWithItsSourceLineAndCaret() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4261 a\n  frob 1 x\n")
            let (daemon, journal, _) = try Self.launch(harness)
            #expect(try await daemon.waitForExit() == 1, "\(daemon.log())")
            let record = try Self.fields(try journal.receive(timeoutMilliseconds: 2000))
            #expect(record["PRIORITY"] == "3")
            #expect(record["SYSLOG_IDENTIFIER"] == "uprocd")
            let lines = try #require(record["MESSAGE"]).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3, "\(lines)")
            #expect(lines.first?.hasPrefix("\(harness.config):2:3: error: ") == true, "\(lines)")
            #expect(lines.dropFirst().first == "  frob 1 x")
            #expect(lines.last == "  ^")
            #expect(try journal.receive(timeoutMilliseconds: 0) == nil, "one record, not one per line")
            #expect(daemon.log() == "", "nothing more on the stream: \(daemon.log())")
        }

        @Test func aReloadErrorIsOneRecordWithItsSourceLineAndCaret() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4263 a\n")
            let (daemon, journal, _) = try Self.launch(harness)
            #expect(try await daemon.waitForLine { $0.hasPrefix("<6>started ") } != nil, "\(daemon.log())")
            // The edit reloads by itself (inotify).
            try harness.rewriteConfig("uid 4263 a\nuid 4263 frob x b\n")
            let record = try Self.fields(try journal.receive(timeoutMilliseconds: 5000), daemon)
            #expect(record["PRIORITY"] == "3")
            let lines = try #require(record["MESSAGE"]).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3, "\(lines)")
            #expect(lines.first?.hasPrefix("\(harness.config):2:") == true, "\(lines)")
            #expect(lines.dropFirst().first == "uid 4263 frob x b")
            #expect(lines.last == "         ^")
            #expect(lines.last?.hasSuffix("^") == true && lines.last?.allSatisfy { $0 == " " || $0 == "^" } == true, "\(lines)")
            // An editor's save may take two reloads: each failure is one whole record.
            while let more = try journal.receive(timeoutMilliseconds: 300) {
                #expect(try Self.fields(more)["MESSAGE"] == record["MESSAGE"], "one record per failure, not one per line")
            }
            #expect(daemon.lines().contains { $0.hasPrefix("<3>reload failed; keeping the previous rules ") }, "\(daemon.log())")
            try await daemon.stop()
        }

        @Test func aWarningKeepsItsCaretAndLinesCarryPrioritiesWithoutTimestamps() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4262 cmd abcdefghijklmnopq w\n")
            let (daemon, journal, _) = try Self.launch(harness, arguments: ["-c", harness.config, "--log-level", "debug", harness.out])
            let warning = try Self.fields(try journal.receive(timeoutMilliseconds: 5000))
            #expect(warning["PRIORITY"] == "4")
            #expect(warning["MESSAGE"] == """
                \(harness.config):1:14: warning: cmd 'abcdefghijklmnopq' is 17 bytes, but a process's comm holds at most 15 ('abcdefghijklmno'): only a kernel thread can have this name
                uid 4262 cmd abcdefghijklmnopq w
                             ^
                """)
            let started = try await daemon.waitForLine { $0.hasPrefix("<6>started ") }
            #expect(started != nil, "\(daemon.log())")
            try await daemon.stop()
            // Every line: a priority, then the message; no timestamp, no level word.
            let lines = daemon.lines()
            #expect(lines.contains { $0.hasPrefix("<6>stopped ") }, "\(lines)")
            for line in lines {
                #expect(line.wholeMatch(of: /<[2-7]>[a-z][^\n]*/) != nil, "\(line)")
                #expect(line.firstMatch(of: /\d{4}-\d\d-\d\dT\d\d:/) == nil, "\(line)")
            }
        }
    }
}

