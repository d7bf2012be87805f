import Foundation
import Logging
import Testing
import UprocDaemon
import UprocLinux

/// Everything a handler wrote, for assertions.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _writes: [String] = []
    private var _entries: [[(name: String, value: String)]] = []
    let journalAccepts: Bool

    init(journalAccepts: Bool = true) { self.journalAccepts = journalAccepts }

    var writes: [String] { lock.withLock { _writes } }
    var entries: [[(name: String, value: String)]] { lock.withLock { _entries } }

    var output: LogOutput {
        LogOutput(
            writeStandardError: { text in self.lock.withLock { self._writes.append(text) } },
            sendJournalEntry: { fields in
                self.lock.withLock { self._entries.append(fields) }
                return self.journalAccepts
            })
    }

    func logger(_ mode: JournalLogHandler.Mode, level: Logger.Level = .trace) -> Logger {
        var handler = JournalLogHandler(label: "uprocd", mode: mode, output: output)
        handler.logLevel = level
        return Logger(label: "uprocd", factory: { _ in handler })
    }
}

/// A config diagnostic as uproc-check renders it: location, source line (with a tab), caret under the column.
let diagnostic = "/etc/uproc.conf:3:9: error: unknown user 'alcie'\nuid\talcie uid.alice\n   \t^"

@Suite struct JournalLogHandlerTests {
    @Test func journalLinesCarryThePriorityAndNoTimestamp() {
        let log = CapturedLog()
        log.logger(.journal).info("started", metadata: ["processes": "312", "namespaces": "40"])
        #expect(log.writes == ["<6>started namespaces=40 processes=312\n"])
        #expect(log.entries.isEmpty)
    }

    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func everyLevelHasItsSyslogPriority(level: Logger.Level, priority: Int) {
        let log = CapturedLog()
        log.logger(.journal).log(level: level, "message")
        #expect(log.writes == ["<\(priority)>message\n"])
    }

    @Test func levelBelowTheThresholdIsDropped() {
        let log = CapturedLog()
        log.logger(.journal, level: .info).debug("noise")
        #expect(log.writes.isEmpty)
    }

    @Test func aMultiLineDiagnosticIsOneJournalEntry() throws {
        let log = CapturedLog()
        log.logger(.journal).error("\(diagnostic)\n")
        #expect(log.writes.isEmpty)
        let entry = try #require(log.entries.first)
        #expect(log.entries.count == 1)
        let fields = Dictionary(entry.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(fields["MESSAGE"] == diagnostic)
        #expect(fields["PRIORITY"] == "3")
        #expect(fields["SYSLOG_IDENTIFIER"] == "uprocd")
    }

    @Test func metadataGoesOnTheFirstLineSoTheCaretStaysPut() throws {
        let log = CapturedLog()
        log.logger(.journal).warning("\(diagnostic)", metadata: ["action": "kept old rules"])
        let message = try #require(log.entries.first?.first { $0.name == "MESSAGE" }?.value)
        let lines = message.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines == ["/etc/uproc.conf:3:9: error: unknown user 'alcie' action=kept old rules",
                          "uid\talcie uid.alice", "   \t^"])
    }

    /// journald refused the entry: the stream gets every line, same priority,
    /// in one write, and once journald strips `<3>` the caret is under its column.
    @Test func withoutTheJournalSocketEveryLineKeepsThePriority() throws {
        let log = CapturedLog(journalAccepts: false)
        log.logger(.journal).error("\(diagnostic)")
        #expect(log.entries.count == 1)
        #expect(log.writes.count == 1)
        let lines = try #require(log.writes.first).split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("<3>") })
        #expect(lines.map { $0.dropFirst(3) } == diagnostic.split(separator: "\n").map { $0[...] })
    }

    /// Through a real datagram socket standing in for /run/systemd/journal/socket.
    @Test func theNativeProtocolCarriesTheWholeDiagnostic() throws {
        let path = "/dev/shm/uproc-journal-\(getpid())-\(UUID().uuidString.prefix(8))"
        let receiver = try UnixDatagramReceiver(address: try #require(UnixSocketAddress(path)))
        let journal = try JournalSocket(path: path)
        let written = CapturedLog()
        let output = LogOutput(writeStandardError: written.output.writeStandardError,
                               sendJournalEntry: { (try? journal.send($0)) != nil })
        var handler = JournalLogHandler(label: "uprocd", mode: .journal, output: output)
        handler.logLevel = .info
        Logger(label: "uprocd", factory: { _ in handler }).error("\(diagnostic)")
        let datagram = try #require(try receiver.receive(timeoutMilliseconds: 1000))
        #expect(datagram == JournalSocket.encode([("MESSAGE", diagnostic), ("PRIORITY", "3"), ("SYSLOG_IDENTIFIER", "uprocd")]))
        #expect(written.writes.isEmpty)
    }

    /// Human lines are swift-log's StreamLogHandler lines, as uprocd wrote them before.
    @Test func humanLinesMatchStreamLogHandler() throws {
        let log = CapturedLog()
        let reference = StringStream()
        var stream = StreamLogHandler(label: "uprocd", stream: reference)
        stream.logLevel = .trace
        for _ in 0..<3 {  // the two timestamps may straddle a second
            log.logger(.human).notice("stopped", metadata: ["events": "818", "rescans": "1"])
            Logger(label: "uprocd", factory: { _ in stream }).notice("stopped", metadata: ["events": "818", "rescans": "1"])
            if log.writes.last == reference.text.last { break }
        }
        #expect(log.writes.last == reference.text.last)
        let line = try #require(log.writes.last)
        #expect(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} notice uprocd: events=818 rescans=1 \[UprocDaemonTests\] stopped\n$"#,
                           options: .regularExpression) != nil, "\(line)")
    }

    @Test func humanMultiLineKeepsTheDiagnosticLinesAtColumnOne() throws {
        let log = CapturedLog()
        log.logger(.human).error("\(diagnostic)")
        let lines = try #require(log.writes.first).split(separator: "\n")
        #expect(log.writes.count == 1 && log.entries.isEmpty)
        #expect(lines.count == 3)
        #expect(lines[0].hasSuffix("[UprocDaemonTests] /etc/uproc.conf:3:9: error: unknown user 'alcie'"))
        #expect(lines[1] == "uid\talcie uid.alice" && lines[2] == "   \t^")
    }
}

final class StringStream: TextOutputStream, @unchecked Sendable {
    private let lock = NSLock()
    private var _text: [String] = []
    var text: [String] { lock.withLock { _text } }
    func write(_ string: String) { lock.withLock { _text.append(string) } }
}
