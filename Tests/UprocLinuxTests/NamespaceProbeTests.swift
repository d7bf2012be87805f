import Foundation
import Testing
import UprocLinux
import UprocTestSupport

/// Outside the initial namespaces the kernel refuses a subscription: with
/// EPERM in a non-initial user namespace (binding the connector's group
/// needs CAP_NET_ADMIN there), with silence in a non-initial PID namespace
/// (and in a user namespace on kernels that let the bind pass). Either way
/// the message names the namespace. A multithreaded process cannot enter a
/// new user namespace, so the test runs this test binary again under
/// `unshare`, where only `probe` runs.
@Suite(.enabled(if: Kernel.available, Kernel.reason))
struct NamespaceProbeTests {
    static let outputVariable = "UPROC_PROBE_OUTPUT"

    @Test(arguments: [
        (["--user", "--map-root-user"], "non-initial user namespace (uid_map: 0 0 1)"),
        (["--pid", "--fork"], "non-initial PID namespace (NSpid: "),
    ])
    func aSubscriptionFromAnotherNamespaceIsRefusedAndExplained(_ unshare: [String], _ place: String) throws {
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
        #expect(answer.contains(place), "\(answer)")
        if answer.contains("Operation not permitted") {
            // Refused: the message says what is missing, and not "run as root" to one who is root there.
            #expect(answer.contains("CAP_NET_ADMIN in the initial user namespace"), "\(answer)")
            #expect(!answer.contains("run uprocd as root"), "\(answer)")
        } else {
            #expect(answer.hasPrefix(ProcConnectorError.noAcknowledgement.description), "\(answer)")
        }
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
            answer = error.explained()
        }
        try Data(answer.utf8).write(to: URL(fileURLWithPath: output))
    }
}

/// The wording, for each way the kernel can refuse.
@Suite struct ProcConnectorErrorTests {
    static let bind = ProcConnectorError.system(SystemCallError(call: "bind", subject: "CN_IDX_PROC", errno: .notPermitted))
    static let user = NamespaceObstacle.userNamespace(uidMap: "0 0 1")
    static let pid = NamespaceObstacle.pidNamespace(nspid: "NSpid: 812 1")

    @Test(arguments: [bind, .refused(errno: .notPermitted)])
    func withoutPrivilegeTheMessageNamesTheCapability(_ error: ProcConnectorError) {
        #expect(error.isNotPermitted)
        #expect(error.explained(by: []).hasSuffix(
            "Operation not permitted; the kernel's process events need CAP_NET_ADMIN (run uprocd as root, "
                + "or give it the capability: AmbientCapabilities=CAP_NET_ADMIN)"), "\(error.explained(by: []))")
        // In a PID namespace alone, root of the host still could.
        #expect(error.explained(by: [Self.pid]) == error.explained(by: []))
    }

    @Test func inAUserNamespaceTheMessageSaysWhyRootDoesNotHelp() {
        #expect(Self.bind.explained(by: [Self.pid, Self.user])
            == "proc connector: bind CN_IDX_PROC: Operation not permitted; uprocd runs in a non-initial user namespace "
            + "(uid_map: 0 0 1): the kernel's process events need CAP_NET_ADMIN in the initial user namespace, which "
            + "no process here has, root included (run uprocd in the host's namespaces, not in a container or under "
            + "unshare --user)")
    }

    @Test func silenceNamesTheFirstNamespace() {
        let silent = ProcConnectorError.noAcknowledgement
        #expect(silent.explained(by: []) == silent.description)
        #expect(silent.explained(by: [Self.pid, Self.user]) == silent.description + " (" + Self.pid.description + ")")
        #expect(Self.pid.description
            == "uprocd runs in a non-initial PID namespace (NSpid: 812 1): the kernel sends process events only to the initial one")
    }

    @Test func otherFailuresAreSaidAsTheyAre() {
        let error = ProcConnectorError.system(SystemCallError(call: "socket", subject: "NETLINK_CONNECTOR", errno: .addressFamilyNotSupported))
        #expect(!error.isNotPermitted)
        #expect(error.explained(by: [Self.user]) == "proc connector: socket NETLINK_CONNECTOR: Address family not supported by protocol")
    }
}
