import Foundation

/// Starts a process (output discarded); its PID is known at once.
@discardableResult
public func spawn(_ executable: String, _ arguments: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}

/// Runs a process to its end; returns its PID.
public func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
    let process = try spawn(executable, arguments)
    process.waitUntilExit()
    return process.processIdentifier
}
