import Foundation
import Testing
import UprocTestSupport

/// `etc/uproc.conf`, the sample installed as /etc/uproc.conf, compiles with
/// uproc-check (the daemon's compiler, resolving names on this machine)
/// without an error or a warning.
@Suite struct SampleConfigTests {
    static let sample = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("etc/uproc.conf").path

    @Test func compilesCleanly() throws {
        let result = try Tools.run("uproc-check", ["--werror", Self.sample])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        #expect(result.stdout == "\(Self.sample): valid: 13 rules, 13 namespaces, 0 warnings\n")
    }
}
