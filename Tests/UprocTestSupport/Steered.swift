import Foundation

/// A child steered through pipes, like the `uproc-testproc` fixture: one command a line on
/// its stdin, one answer a line on its stdout (setuid, rename-main, …).
public final class Steered {
    public let child: Child
    /// Our ends of its stdin and stdout.
    private let input: Int32
    private let output: Int32
    public var pid: Int32 { child.pid }

    /// `newProcessGroup`: as for `Child` (then killed with its group when dropped).
    public init(_ argv: [String], newProcessGroup: Bool = false) throws {
        let stdin = try ChildPipe()
        let stdout = try ChildPipe()
        defer {
            close(stdin.read)
            close(stdout.write)
        }
        do {
            child = try Child(argv, stdin: .fd(stdin.read), stdout: .fd(stdout.write), newProcessGroup: newProcessGroup)
        } catch {
            close(stdin.write)
            close(stdout.read)
            throw error
        }
        input = stdin.write
        output = stdout.read
    }

    deinit {
        if !inputClosed { close(input) }
        close(output)
    }

    private var inputClosed = false

    /// Ends its stdin: the fixture exits 0 at EOF.
    public func closeInput() {
        guard !inputClosed else { return }
        inputClosed = true
        close(input)
    }

    /// Sends `command` and returns the answer line (20 s deadline: the whole
    /// suite runs in parallel on 2 cores, and a starved fixture is not a failure).
    @discardableResult
    public func send(_ command: String) async throws -> String {
        let bytes = Array((command + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw HarnessError("uproc-testproc \(pid): cannot send '\(command)': \(String(cString: strerror(errno)))")
        }
        var line: [UInt8] = []
        let end = ContinuousClock.now + .seconds(20)
        // Look before giving up: tests share two cooperative threads, so this
        // task may wake long after its deadline with the answer waiting.
        while true {
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) == 1 {
                var byte: UInt8 = 0
                guard read(output, &byte, 1) == 1 else {
                    throw HarnessError("uproc-testproc \(pid): stdout closed after '\(command)'")
                }
                if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
                line.append(byte)
                continue
            }
            if ContinuousClock.now >= end { break }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw HarnessError("uproc-testproc \(pid): no answer to '\(command)' within 20 s")
    }

    /// Sends `command` and expects `ok`.
    public func run(_ command: String) async throws {
        let answer = try await send(command)
        guard answer == "ok" else {
            throw HarnessError("uproc-testproc \(pid): '\(command)' answered '\(answer)'")
        }
    }
}
