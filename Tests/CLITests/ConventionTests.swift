import Testing
import UprocTestSupport

/// What every uproc tool does alike: bad usage exits 64 (`EX_USAGE`) with
/// the usage on standard error and nothing on standard output; `--version`
/// prints the tool's name and version; `-h` is `--help`.
@Suite struct ConventionTests {
    static let tools = ["uproc", "uprocd", "uproc-check", "uproc-genconf", "uproc-kill", "uproc-top"]

    static let badUsage: [(tool: String, arguments: [String], message: String)] = [
        ("uprocd", ["--no-such-option"], "Error: Unknown option '--no-such-option'"),
        ("uprocd", ["--log-level", "loud"], "Error: unknown log level 'loud'"),
        ("uprocd", ["a", "b"], "Error: Unexpected argument 'b'"),
        ("uproc-check", ["--no-such-option"], "Error: Unknown option '--no-such-option'"),
        ("uproc-check", ["--explain", "x"], "Error: The value 'x' is invalid for '--explain <pid>'"),
        ("uproc-check", ["a", "b"], "Error: Unexpected argument 'b'"),
        ("uproc-genconf", ["--no-such-option"], "Error: Unknown option '--no-such-option'"),
        ("uproc-genconf", ["--max-uid", "4294967295"], "Error: --max-uid 4294967295 is out of range (0 to 4294967294)"),
        ("uproc-kill", ["--no-such-option", "a"], "Error: Unknown option '--no-such-option'"),
        ("uproc-kill", [], "Error: no namespace given"),
        ("uproc", [], "Error: no tool given"),
        ("uproc", ["uproc-ps"], "Error: unknown tool 'uproc-ps'"),
        ("uproc-top", ["--no-such-option"], "Error: Unknown option '--no-such-option'"),
        ("uproc-top", ["--sort", "size"], "Error: unknown sort key 'size'"),
        ("uproc-top", ["-d", "0"], "Error: --delay must be a decimal number of seconds from 0.1 to 3600"),
    ]

    @Test(arguments: badUsage)
    func badUsageExits64(_ tool: String, _ arguments: [String], _ message: String) throws {
        let result = try Tools.run(tool, arguments)
        #expect(result.status == 64, "\(tool) \(arguments): \(result.stderr)")
        #expect(result.stdout == "")
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
        #expect(result.stderr.contains("Usage: \(tool)"))
    }

    @Test(arguments: tools)
    func versionNamesTheTool(_ tool: String) throws {
        let result = try Tools.run(tool, ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == "\(tool) 0.1.0\n")
        #expect(result.stderr == "")
    }

    @Test(arguments: tools)
    func shortHelpIsHelp(_ tool: String) throws {
        let long = try Tools.run(tool, ["--help"])
        let short = try Tools.run(tool, ["-h"])
        #expect(long.status == 0 && short.status == 0)
        #expect(short.stdout == long.stdout)
        #expect(long.stdout.contains("-h, --help"))
        #expect(long.stdout.contains("64 bad usage") || long.stdout.contains("64 on bad usage"), "--help states the usage status")
    }
}
