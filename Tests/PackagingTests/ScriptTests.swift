import Foundation
import Testing

/// The developer scripts: `tools/test` runs every part however an earlier
/// one ended, and `--help` prints usage without doing anything.
@Suite struct ScriptTests {
    /// A copy of `script` in a scratch tree whose other tools are stubs
    /// that only leave a mark (`marks/NAME ARGS`), and a `swift` stub in
    /// `bin/` that fails `swift test` when `failing`.
    static func stubbedTree(_ script: String, swiftTestFails failing: Bool = false,
                            packageTestFails: Bool = false) throws -> ScratchDirectory {
        let scratch = try ScratchDirectory("scripts")
        for directory in ["tools", "bin", "marks"] {
            try FileManager.default.createDirectory(atPath: scratch.path + "/" + directory, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: Repository.root + "/" + script, toPath: scratch.path + "/" + script)
        func stub(_ path: String, _ body: String) throws {
            try ("#!/bin/sh\n" + body + "\n").write(toFile: scratch.path + "/" + path, atomically: true, encoding: .utf8)
            chmod(scratch.path + "/" + path, 0o755)
        }
        let mark = #"echo "$*" > "$(dirname "$0")/../marks/$(basename "$0")""#
        for tool in ["install-deps", "package", "test-package"] where "tools/" + tool != script {
            try stub("tools/" + tool, mark + (tool == "test-package" && packageTestFails ? "; exit 1" : ""))
        }
        try stub("bin/swift", #"echo "$*" >> "$(dirname "$0")/../marks/swift"; [ "$1" = test ] && exit \#(failing ? 1 : 0); exit 0"#)
        return scratch
    }

    static func marks(_ scratch: ScratchDirectory) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scratch.path + "/marks")) ?? []).sorted()
    }

    static func run(in scratch: ScratchDirectory, _ arguments: [String]) throws -> RunResult {
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = scratch.path + "/bin:" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["UPROC_SKIP_PACKAGE_TEST"] = nil
        return try PackagingTests.run([scratch.path + "/" + arguments[0]] + arguments.dropFirst(), environment: environment)
    }

    @Test(arguments: [(false, false, 0), (true, false, 1), (false, true, 1), (true, true, 1)] as [(Bool, Bool, Int32)])
    func toolsTestRunsThePackagingTestWhateverTheSuiteDid(suiteFails: Bool, packagingFails: Bool, status: Int32) throws {
        let scratch = try Self.stubbedTree("tools/test", swiftTestFails: suiteFails, packageTestFails: packagingFails)
        defer { scratch.remove() }
        let result = try Self.run(in: scratch, ["tools/test"])
        #expect(result.status == status, "\(result.errors)")
        #expect(Self.marks(scratch) == ["install-deps", "swift", "test-package"], "the packaging test did not run: \(result.errors)")
    }

    @Test func toolsTestWithArgumentsRunsTheSuiteAlone() throws {
        let scratch = try Self.stubbedTree("tools/test", swiftTestFails: true)
        defer { scratch.remove() }
        let result = try Self.run(in: scratch, ["tools/test", "--filter", "X"])
        #expect(result.status == 1)
        #expect(Self.marks(scratch) == ["install-deps", "swift"])
        let swift = try String(contentsOfFile: scratch.path + "/marks/swift", encoding: .utf8)
        #expect(swift.hasSuffix("test --skip-build --disable-xctest --filter X\n"), "\(swift)")
    }

    @Test(arguments: ["tools/package", "tools/test-package"], ["--help", "-h"])
    func helpPrintsUsageAndDoesNothing(_ script: String, _ option: String) throws {
        let scratch = try Self.stubbedTree(script)
        defer { scratch.remove() }
        let result = try Self.run(in: scratch, [script, option])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.hasPrefix("usage: \(script) "), "\(result.output)")
        #expect(result.errors == "")
        #expect(Self.marks(scratch) == [], "--help ran \(Self.marks(scratch))")
    }

    @Test(arguments: ["tools/package", "tools/test-package"])
    func anUnknownOptionIsNamedAndDoesNothing(_ script: String) throws {
        let scratch = try Self.stubbedTree(script)
        defer { scratch.remove() }
        let result = try Self.run(in: scratch, [script, "--bogus"])
        #expect(result.status == 64)
        #expect(result.errors.hasPrefix("\(script): unknown option --bogus\nusage: \(script) "), "\(result.errors)")
        #expect(Self.marks(scratch) == [])
    }
}
