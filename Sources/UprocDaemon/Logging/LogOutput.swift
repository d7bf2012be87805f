import UprocLinux

/// Where `JournalLogHandler` puts its records, so tests can catch them.
package struct LogOutput: Sendable {
    /// Writes text to standard error in one call (whole lines, never half).
    package var writeStandardError: @Sendable (String) -> Void
    /// Sends one native journal entry; false when journald did not take it.
    package var sendJournalEntry: @Sendable ([(name: String, value: String)]) -> Bool

    package init(writeStandardError: @escaping @Sendable (String) -> Void,
                sendJournalEntry: @escaping @Sendable ([(name: String, value: String)]) -> Bool) {
        self.writeStandardError = writeStandardError
        self.sendJournalEntry = sendJournalEntry
    }

    /// The process's standard error and journald's native socket (opened
    /// per multi-line record: they are rare, one-off diagnostics).
    package static let system = LogOutput(
        writeStandardError: { StandardStreams.writeError($0) },
        sendJournalEntry: { fields in
            guard let socket = try? JournalSocket() else { return false }
            return (try? socket.send(fields)) != nil
        })
}
