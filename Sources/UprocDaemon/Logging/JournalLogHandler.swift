import Logging
import UprocLinux

/// uprocd's log handler. Under systemd with stderr going to the journal it
/// writes `<N>message` lines (journald turns `<N>` into the entry's
/// priority and stamps the time itself); elsewhere it writes the human lines
/// of swift-log's `StreamLogHandler` (`time level label: metadata [source] message`).
///
/// A multi-line message (a config diagnostic: location, source line, caret)
/// stays one record. journald's stream ends an entry at every newline, so in
/// journal mode such a message goes to the native journal socket as one
/// entry instead; if journald refuses it, every line is written with the
/// same `<N>` prefix, in one write, unindented so the caret keeps its column.
package struct JournalLogHandler: LogHandler {
    package enum Mode: Sendable, Equatable {
        case journal
        case human
    }

    package let label: String
    package let mode: Mode
    package var logLevel: Logger.Level = .info
    package var metadata: Logger.Metadata = [:]
    private let output: LogOutput
    private let identifier: String

    /// `identifier` is the journal's `SYSLOG_IDENTIFIER` for native entries:
    /// the same as the stream's (the executable's name), so `journalctl -t`
    /// and `-u` see both kinds alike.
    package init(label: String, mode: Mode, identifier: String = "uprocd", output: LogOutput = .system) {
        self.label = label
        self.mode = mode
        self.identifier = identifier
        self.output = output
    }

    /// Journal mode when `$JOURNAL_STREAM` names this process's stderr.
    package static func detectedMode() -> Mode {
        JournalStream.isJournal() ? .journal : .human
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        let metadataText = merged.isEmpty ? "" : merged.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
        var message = event.message.description
        while message.hasSuffix("\n") { message.removeLast() }

        switch mode {
        case .human:
            let labelPart = label.isEmpty ? "" : " \(label)"
            let metadataPart = metadataText.isEmpty ? "" : " \(metadataText)"
            output.writeStandardError("\(LogTimestamp.now()) \(event.level)\(labelPart):\(metadataPart) [\(event.source)] \(message)\n")
        case .journal:
            let text = JournalLogHandler.attach(metadataText, to: message)
            let priority = JournalLogHandler.priority(event.level)
            if text.utf8.contains(UInt8(ascii: "\n")) {
                let sent = output.sendJournalEntry([
                    ("MESSAGE", text), ("PRIORITY", "\(priority)"), ("SYSLOG_IDENTIFIER", identifier),
                ])
                if sent { return }
            }
            output.writeStandardError(JournalLogHandler.prefixedLines(text, priority: priority))
        }
    }

    /// syslog(3) priorities: 7 debug … 2 crit (swift-log has no alert/emerg).
    package static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Metadata goes at the end of the first line, so a diagnostic's source
    /// line and caret below it stay exactly as rendered.
    static func attach(_ metadataText: String, to message: String) -> String {
        guard !metadataText.isEmpty else { return message }
        guard let newline = message.firstIndex(of: "\n") else { return "\(message) \(metadataText)" }
        return "\(message[..<newline]) \(metadataText)\(message[newline...])"
    }

    /// Every line with the same `<N>` prefix (journald strips it, so the
    /// lines' columns are unchanged), as one string for one write.
    static func prefixedLines(_ text: String, priority: Int) -> String {
        var out = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "<\(priority)>\(line)\n"
        }
        return out
    }
}
