import Foundation
import Testing

/// A private directory under `/dev/shm` (tmpfs), removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = "/dev/shm/uproc-accounts-tests-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` in the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// What a finished process printed and how it ended.
struct ToolResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The built executables, next to the test bundle.
enum Tools {
    static var directory: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
    }

    static func path(_ name: String) -> String { directory + "/" + name }

    /// Runs a built tool with pipes for its output, as a shell would.
    static func run(_ name: String, _ arguments: [String], stdin: FileHandle? = nil) throws -> ToolResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(name))
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        if let stdin { process.standardInput = stdin }
        try process.run()
        // Drain stderr concurrently so a chatty tool cannot fill its pipe
        // and stall while stdout is being read.
        let errorData = ErrorCollector()
        let reader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolResult(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.wait(), as: UTF8.self))
    }
}

final class ErrorCollector: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.lock()
        data = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data!
    }
}
