import Foundation
import Testing

/// Kernel tests need root (the proc connector wants CAP_NET_ADMIN; setpriv,
/// chown and setuid do too). Without root they are cancelled (shown as
/// skipped), unless `UPROC_REQUIRE_KERNEL_TESTS=1`: then a skip is a failure.
enum Kernel {
    static var isRequired: Bool {
        ProcessInfo.processInfo.environment["UPROC_REQUIRE_KERNEL_TESTS"] == "1"
    }

    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws {
        if geteuid() == 0 { return }
        if isRequired {
            throw HarnessError("UPROC_REQUIRE_KERNEL_TESTS=1 but this test runs without root (euid \(geteuid()))")
        }
        try Test.cancel("needs root (the proc connector, setpriv, chown)", sourceLocation: sourceLocation)
    }
}

/// A harness step that cannot go on; its description says what was seen.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
