import Foundation
import Testing
import UprocLinux
import UprocTestSupport

/// The kernel ignores subscriptions from a non-initial user or PID namespace.
/// A multithreaded process cannot enter a new user namespace, so the test
/// runs this test binary again under `unshare`, where only `probe` runs.
@Suite(.enabled(if: Kernel.available, Kernel.reason))
struct NamespaceProbeTests {
    static let outputVariable = "UPROC_PROBE_OUTPUT"

    @Test(arguments: [["--user", "--map-root-user"], ["--pid", "--fork"]])
    func aSubscriptionFromAnotherNamespaceIsReportedAsUnanswered(_ unshare: [String]) throws {
        let output = freshShmPath("probe")
        defer { removeTree(output) }
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = unshare + [executable, "--testing-library", "swift-testing",
                                       "--filter", "NamespaceProbeTests/probe"]
        process.environment = ProcessInfo.processInfo.environment.merging([Self.outputVariable: output]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let answer = String(decoding: try FileReading.read(output, limit: 4096), as: UTF8.self)
        #expect(answer == ProcConnectorError.noAcknowledgement.description)
    }

    /// Runs only in the child started above.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[outputVariable] != nil, "runs only inside unshare, started by the test above"))
    func probe() throws {
        let output = try #require(ProcessInfo.processInfo.environment[Self.outputVariable])
        let answer: String
        do {
            let connector = try ProcConnector(receiveBufferSize: 1 << 16)
            answer = "\(try connector.subscribe(acknowledgementTimeoutMilliseconds: 100))"
        } catch {
            answer = error.description
        }
        try Data(answer.utf8).write(to: URL(fileURLWithPath: output))
    }
}
