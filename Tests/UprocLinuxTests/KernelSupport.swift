import Foundation
import Glibc

/// Kernel tests need root. Without it they are skipped, unless CI sets
/// UPROC_REQUIRE_KERNEL_TESTS=1: then they run and fail.
enum Kernel {
    static let required = ProcessInfo.processInfo.environment["UPROC_REQUIRE_KERNEL_TESTS"] == "1"
    static let available = geteuid() == 0 || required
    static let reason: Comment = "needs root (UPROC_REQUIRE_KERNEL_TESTS=1 turns this skip into a failure)"

    /// (major, minor) of the running kernel.
    static var version: (Int, Int) {
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return (parts.first ?? 0, parts.count > 1 ? parts[1] : 0)
    }
}

import Testing

/// Starts a process; its PID is known at once.
@discardableResult
func spawn(_ executable: String, _ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

/// Runs a process to its end; returns its PID.
func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
    let process = try spawn(executable, arguments)
    process.waitUntilExit()
    return process.processIdentifier
}

/// A fresh directory path under /dev/shm (not created).
func freshShmPath(_ label: String) -> String {
    "/dev/shm/uproc-test-\(getpid())-\(label)-\(UInt32.random(in: 0...UInt32.max))"
}

/// Removes a test directory tree (best effort).
func removeTree(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}
