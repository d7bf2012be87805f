import ArgumentParser
import UprocRules

/// `uproc` started under its own name: `uproc TOOL ARGUMENT...`, and the
/// help, version and usage errors when no tool is named.
struct MultiCallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uproc",
        abstract: "Run one of the uproc tools: uprocd, uproc-check, uproc-genconf, uproc-kill or uproc-top.",
        usage: "uproc <tool> [<argument> ...]",
        discussion: """
            The tools are one executable. Each is installed as a link to it named after the tool \
            (uprocd in sbin, the others in bin), and runs when started by that name; \
            `uproc TOOL ARGUMENT...` runs it too. `TOOL --help` explains a tool.

            Exit status: the tool's; 0 after --help or --version; 64 bad usage (no tool, or an \
            unknown one).
            """,
        version: "uproc \(uprocVersion)")

    @Argument(help: ArgumentHelp("The tool to run: uprocd, uproc-check, uproc-genconf, uproc-kill or uproc-top.", valueName: "tool"))
    var tool: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The tool's arguments.", valueName: "argument"))
    var arguments: [String] = []

    func validate() throws {
        guard let tool else { throw ValidationError("no tool given (uprocd, uproc-check, uproc-genconf, uproc-kill or uproc-top)") }
        guard MultiCall.tools.contains(tool) else {
            throw ValidationError("unknown tool '\(tool)' (uprocd, uproc-check, uproc-genconf, uproc-kill or uproc-top)")
        }
    }

    func run() {
        if let tool { MultiCall.run(tool, arguments) }
    }
}
