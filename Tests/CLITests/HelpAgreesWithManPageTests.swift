import Testing
import UprocTestSupport

/// Each tool's `--help` and man page document the same options, signals
/// and exit statuses: a test fails when one is added to the code or the
/// page alone.
@Suite struct HelpAgreesWithManPageTests {
    static let tools = [
        ("uproc", "uproc.1"), ("uprocd", "uprocd.8"), ("uproc-check", "uproc-check.8"), ("uproc-genconf", "uproc-genconf.8"),
        ("uproc-kill", "uproc-kill.1"), ("uproc-top", "uproc-top.1"),
    ]

    static func help(_ tool: String) throws -> HelpText {
        let result = try Tools.run(tool, ["--help"])
        #expect(result.status == 0)
        return HelpText(text: result.stdout)
    }

    @Test(arguments: tools)
    func options(_ tool: String, _ page: String) throws {
        let helpText = try Self.help(tool)
        let help = helpText.options
        let man = try ManPage(page)
        let documented = Set(man.tags(in: "OPTIONS").flatMap { Options.names(in: $0) })
        #expect(help.contains("-h") && help.contains("--help") && help.contains("--version"))
        #expect(help.subtracting(documented).isEmpty, "in --help, not in \(page) OPTIONS: \(help.subtracting(documented).sorted())")
        #expect(documented.subtracting(help).isEmpty, "in \(page) OPTIONS, not in --help: \(documented.subtracting(help).sorted())")
        // The synopsis names every option, by one of its names.
        let synopsis = Options.names(in: man.section("SYNOPSIS").map(ManPage.plain).joined(separator: " "))
        let missing = helpText.entries.filter { $0.isDisjoint(with: synopsis) }.map { $0.sorted().joined(separator: ", ") }
        #expect(missing.isEmpty, "missing from \(page) SYNOPSIS: \(missing)")
    }

    @Test(arguments: tools)
    func exitStatuses(_ tool: String, _ page: String) throws {
        let help = try Self.help(tool).exitStatuses
        let man = try ManPage(page)
        let documented = Set(man.tags(in: "EXIT STATUS").compactMap { Int($0) })
        #expect(help.contains(0) && help.contains(64), "--help: \(help.sorted())")
        #expect(help == documented, "--help \(help.sorted()) vs \(page) \(documented.sorted())")
    }

    @Test(arguments: tools)
    func signals(_ tool: String, _ page: String) throws {
        let help = try Self.help(tool).signals
        let man = try ManPage(page)
        let documented = Set(man.tags(in: "SIGNALS").flatMap { Options.matches(of: #"\bSIG[A-Z0-9]+\b"#, in: $0) })
        #expect(help == documented, "--help \(help.sorted()) vs \(page) \(documented.sorted())")
    }
}
