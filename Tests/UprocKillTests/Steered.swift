import Foundation

/// `uproc-testproc`: one command a line on its stdin, one answer a line on
/// its stdout (setuid, rename-main, …).
final class Steered {
    let child: Spawned
    private let input: Int32
    private let output: Int32
    var pid: Int32 { child.pid }

    init(_ argv: [String]) throws {
        var stdin: [Int32] = [-1, -1]
        var stdout: [Int32] = [-1, -1]
        guard pipe(&stdin) == 0, pipe(&stdout) == 0 else { throw TestFailure("pipe: \(String(cString: strerror(errno)))") }
        // Close-on-exec: no other child inherits them (dup2 clears the flag on the child's copy).
        for fd in stdin + stdout { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer {
            close(stdin[0])
            close(stdout[1])
        }
        child = try Spawned(argv, stdin: stdin[0], stdout: stdout[1])
        input = stdin[1]
        output = stdout[0]
    }

    deinit {
        close(input)
        close(output)
    }

    /// Sends `command`, expects `ok` within 5 s.
    func run(_ command: String) throws {
        let bytes = Array((command + "\n").utf8)
        guard bytes.withUnsafeBytes({ write(input, $0.baseAddress, $0.count) }) == bytes.count else {
            throw TestFailure("uproc-testproc \(pid): cannot send '\(command)'")
        }
        var line: [UInt8] = []
        var entry = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
        while true {
            guard poll(&entry, 1, 5_000) == 1 else { throw TestFailure("uproc-testproc \(pid): no answer to '\(command)'") }
            var byte: UInt8 = 0
            guard read(output, &byte, 1) == 1 else { throw TestFailure("uproc-testproc \(pid): stdout closed") }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        let answer = String(decoding: line, as: UTF8.self)
        guard answer == "ok" else { throw TestFailure("uproc-testproc \(pid): '\(command)' answered '\(answer)'") }
    }
}
