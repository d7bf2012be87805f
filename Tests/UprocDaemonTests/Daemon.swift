import Foundation
import Testing
import UprocTestSupport

/// One running `uprocd`, its stdout and stderr captured in a file.
final class Daemon {
    let child: Child
    let logPath: String
    var pid: Int32 { child.pid }
    var isRunning: Bool { child.isRunning }

    init(executable: String, arguments: [String], logPath: String, stdin: Child.Stream = .null) throws {
        self.logPath = logPath
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw HarnessError("open \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        child = try Child([executable] + arguments, stdin: stdin, stdout: .fd(log), stderr: .fd(log))
    }

    /// Everything the daemon wrote so far.
    func log() -> String {
        FileManager.default.contents(atPath: logPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    func lines() -> [Substring] {
        log().split(separator: "\n")
    }

    /// The first log line `matching`, polled every 5 ms; nil on timeout or exit without it.
    func waitForLine(within limit: Duration = .seconds(10), _ matching: (Substring) -> Bool) async throws -> Substring? {
        let end = ContinuousClock.now + limit
        while true {
            let exited = !child.isRunning
            if let line = lines().first(where: matching) { return line }
            if exited || ContinuousClock.now >= end { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits (10 s) for the one info line whose message ends with `started`; returns its metadata.
    @discardableResult
    func waitForStarted() async throws -> [String: String] {
        guard let line = try await waitForLine({ Self.isStarted($0) }) else {
            let state = child.isRunning ? "is still running" : "ended (\(exitDescription))"
            throw HarnessError("uprocd \(pid) printed no `started` line within 10 s and \(state). Its stderr:\n\(log())")
        }
        return Self.metadata(line)
    }

    static func isStarted(_ line: Substring) -> Bool {
        line.hasSuffix("started") && line.contains(" info ") && line.contains("processes=")
    }

    /// The `key=value` words of a StreamLogHandler line.
    static func metadata(_ line: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for word in line.split(separator: " ") {
            guard let equals = word.firstIndex(of: "=") else { continue }
            result[String(word[..<equals])] = String(word[word.index(after: equals)...])
        }
        return result
    }

    func signal(_ number: Int32) {
        child.signal(number)
    }

    /// Waits for the daemon to end; its exit status, or nil on timeout or death by a signal.
    func waitForExit(within limit: Duration = .seconds(10)) async throws -> Int32? {
        guard case .exited(let status) = try await child.waitForExit(within: limit) else { return nil }
        return status
    }

    var exitDescription: String {
        child.isRunning ? "running" : child.exit?.description ?? "?"
    }

    /// SIGTERM, then expects exit status 0 within 10 s.
    func stop(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        signal(SIGTERM)
        let status = try await waitForExit()
        if status != 0 {
            Issue.record("uprocd after SIGTERM: \(exitDescription), expected exit status 0. Its stderr:\n\(log())",
                         sourceLocation: sourceLocation)
        }
    }
}
