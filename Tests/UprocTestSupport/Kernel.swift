import Foundation
import Glibc
import Testing

/// Kernel tests need root (the proc connector wants CAP_NET_ADMIN; setpriv,
/// chown and setuid do too). Without root they are skipped, unless
/// `UPROC_REQUIRE_KERNEL_TESTS=1` (CI): then they run, or fail, but never skip.
public enum Kernel {
    public static var isRequired: Bool {
        ProcessInfo.processInfo.environment["UPROC_REQUIRE_KERNEL_TESTS"] == "1"
    }

    /// For `.enabled(if: Kernel.available, Kernel.reason)`: when kernel tests
    /// are required they are enabled, and fail without root.
    public static var available: Bool { geteuid() == 0 || isRequired }
    public static let reason: Comment = "needs root (UPROC_REQUIRE_KERNEL_TESTS=1 turns this skip into a failure)"

    /// Inside a test: returns with root; cancels (shown as skipped) without,
    /// or throws when kernel tests are required.
    public static func require(sourceLocation: SourceLocation = #_sourceLocation) throws {
        if geteuid() == 0 { return }
        if isRequired {
            throw HarnessError("UPROC_REQUIRE_KERNEL_TESTS=1 but this test runs without root (euid \(geteuid()))")
        }
        try Test.cancel("needs root (the proc connector, setpriv, chown)", sourceLocation: sourceLocation)
    }

    /// (major, minor) of the running kernel.
    public static var version: (Int, Int) {
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        return (parts.first ?? 0, parts.count > 1 ? parts[1] : 0)
    }
}
