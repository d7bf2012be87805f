import Foundation
import Testing

/// The `uproc-testproc` fixture: one command a line on its stdin, one answer a line on its stdout.
struct Fixture {
    let process: Process
    let input: Pipe
    let output: Pipe
    var pid: Int32 { process.processIdentifier }

    /// Sends `command` and returns the answer line (5 s deadline).
    @discardableResult
    func send(_ command: String) async throws -> String {
        do {
            try input.fileHandleForWriting.write(contentsOf: Data((command + "\n").utf8))
        } catch {
            throw HarnessError("uproc-testproc \(pid): cannot send '\(command)': \(error)")
        }
        let fd = output.fileHandleForReading.fileDescriptor
        var line: [UInt8] = []
        let end = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < end {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) == 1 {
                var byte: UInt8 = 0
                guard read(fd, &byte, 1) == 1 else {
                    throw HarnessError("uproc-testproc \(pid): stdout closed after '\(command)'")
                }
                if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
                line.append(byte)
            } else {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        throw HarnessError("uproc-testproc \(pid): no answer to '\(command)' within 5 s")
    }

    /// Sends `command` and expects `ok`.
    func run(_ command: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let answer = try await send(command)
        guard answer == "ok" else {
            throw HarnessError("uproc-testproc \(pid): '\(command)' answered '\(answer)'")
        }
    }
}
