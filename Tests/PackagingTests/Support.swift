import Foundation
import Testing
import UprocTestSupport

/// Paths of the repository and of the build the tests run from.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// uprocd as built with the tests: its link to the multi-call executable.
    static let uprocd = Tools.path("uprocd")
    static let unit = root + "/etc/uprocd.service"
}

/// Kernel tests need root; CI (UPROC_REQUIRE_KERNEL_TESTS=1) fails instead of skipping.
enum Kernel {
    static let required = ProcessInfo.processInfo.environment["UPROC_REQUIRE_KERNEL_TESTS"] == "1"
    static let available = geteuid() == 0 || required
    static let reason: Comment = "needs root (UPROC_REQUIRE_KERNEL_TESTS=1 turns this skip into a failure)"
}

struct RunResult {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs a command to its end; `environment` replaces the whole environment when given.
func run(_ arguments: [String], environment: [String: String]? = nil, timeout: TimeInterval = 60) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes while it runs, so a chatty command cannot block on a full pipe.
    nonisolated(unsafe) var errorData = Data()
    let reader = Thread { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return RunResult(status: process.terminationStatus,
                     output: String(decoding: outputData, as: UTF8.self),
                     errors: String(decoding: errorData, as: UTF8.self))
}

/// A fresh directory in the tmpfs, removed by `remove()`.
struct ScratchDirectory {
    let path: String

    init(_ name: String) throws {
        path = "/dev/shm/uproc-packaging-\(name)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
