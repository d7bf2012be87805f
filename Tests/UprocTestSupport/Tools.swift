import Foundation

/// What a finished process printed and how it ended.
public struct ToolResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// The built executables, next to the test bundle in the build directory.
/// uprocd, uproc-check, uproc-genconf, uproc-kill and uproc-top are run as installed:
/// links named after each tool to the one multi-call executable `uproc`
/// (made here, replacing whatever an older build left under those names);
/// uproc-testproc and uproc-bench are executables of their own.
public enum Tools {
    /// The tools of the multi-call executable, as installed.
    public static let multiCall = ["uprocd", "uproc-check", "uproc-genconf", "uproc-kill", "uproc-top"]

    /// The build directory, with the links to `uproc` in place.
    public static var directory: String {
        precondition(linked)
        return buildDirectory
    }

    public static func path(_ name: String) -> String { directory + "/" + name }

    private static let buildDirectory =
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path

    /// Made once per process: `uprocd` → `uproc` and so on. Each link is
    /// renamed into place, so a concurrent run never sees it missing.
    private static let linked: Bool = {
        let manager = FileManager.default
        for name in multiCall {
            let link = buildDirectory + "/" + name
            if (try? manager.destinationOfSymbolicLink(atPath: link)) == "uproc" { continue }
            let temporary = buildDirectory + "/.\(name).\(getpid())"
            try? manager.removeItem(atPath: temporary)
            do {
                try manager.createSymbolicLink(atPath: temporary, withDestinationPath: "uproc")
                guard rename(temporary, link) == 0 else { throw HarnessError("rename to \(link): errno \(errno)") }
            } catch {
                fatalError("cannot link \(link) to uproc: \(error)")
            }
        }
        return true
    }()

    /// Runs a built tool with pipes for its output, as a shell would; its
    /// standard input is `stdin`, or else this process's.
    public static func run(_ name: String, _ arguments: [String], stdin: FileHandle? = nil) throws -> ToolResult {
        try run(name, arguments) { process in
            if let stdin { process.standardInput = stdin }
            return {}
        }
    }

    /// Runs a built tool that reads `input` from a pipe, then end of file.
    public static func run(_ name: String, _ arguments: [String], input: String) throws -> ToolResult {
        try run(name, arguments) { process in
            let pipe = Pipe()
            process.standardInput = pipe
            return {
                pipe.fileHandleForWriting.write(Data(input.utf8))
                try pipe.fileHandleForWriting.close()
            }
        }
    }

    /// `prepare` sets up standard input and returns what to do once the
    /// process runs.
    private static func run(
        _ name: String, _ arguments: [String], prepare: (Process) -> () throws -> Void
    ) throws -> ToolResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(name))
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let started = prepare(process)
        try process.run()
        try started()
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

/// Hands the data read on another thread to the waiting one.
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
