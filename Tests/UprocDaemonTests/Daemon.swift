import Foundation
import Testing

/// One running `uprocd`, its stderr captured in a file.
final class Daemon {
    let process: Process
    let logPath: String
    var pid: Int32 { process.processIdentifier }

    init(executable: String, arguments: [String], logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = FileHandle(forWritingAtPath: logPath)!
        defer { try? log.close() }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
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
            let exited = !process.isRunning
            if let line = lines().first(where: matching) { return line }
            if exited || ContinuousClock.now >= end { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits (10 s) for the one info line whose message ends with `started`; returns its metadata.
    @discardableResult
    func waitForStarted(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: String] {
        guard let line = try await waitForLine({ Self.isStarted($0) }) else {
            let state = process.isRunning ? "still running" : "exited (\(exitDescription))"
            throw HarnessError("uprocd \(pid) printed no `started` line within 10 s; it \(state). Its stderr:\n\(log())")
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
        kill(pid, number)
    }

    /// Waits for the daemon to exit; its exit status, or nil on timeout (or death by a signal).
    func waitForExit(within limit: Duration = .seconds(10)) async throws -> Int32? {
        let end = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now >= end { return nil }
            try await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    var exitDescription: String {
        if process.isRunning { return "running" }
        switch process.terminationReason {
        case .exit: return "exit status \(process.terminationStatus)"
        case .uncaughtSignal: return "killed by signal \(process.terminationStatus)"
        @unknown default: return "status \(process.terminationStatus)"
        }
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
