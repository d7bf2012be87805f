import Foundation
import Testing
import UprocTestSupport

/// The tools are one executable, `uproc`, installed once with a link per
/// tool: the name a process is started by picks the tool, and `uproc TOOL`
/// runs one by name. Each tool answers as it would alone.
@Suite struct MultiCallTests {
    @Test(arguments: Tools.multiCall)
    func eachLinkRunsItsTool(_ tool: String) throws {
        let version = try Tools.run(tool, ["--version"])
        #expect(version.stdout == "\(tool) 0.1.0\n")
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: Tools.path(tool))
        #expect(link == "uproc")
    }

    @Test(arguments: Tools.multiCall)
    func uprocRunsAToolByName(_ tool: String) throws {
        let byName = try Tools.run("uproc", [tool, "--help"])
        let byLink = try Tools.run(tool, ["--help"])
        #expect(byName.status == 0)
        #expect(byName.stdout == byLink.stdout)
        #expect(byName.stdout.contains("USAGE: \(tool) "))
    }

    /// Completions are generated per tool name, so each shell completes the
    /// tool's own options.
    @Test(arguments: Tools.multiCall)
    func completionsNameTheTool(_ tool: String) throws {
        let bash = try Tools.run(tool, ["--generate-completion-script", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.contains("complete -o filenames -F _\(tool) \(tool)"), "\(bash.stdout.suffix(300))")
    }

    @Test func uprocWithoutAToolIsBadUsage() throws {
        let none = try Tools.run("uproc", [])
        #expect(none.status == 64)
        #expect(none.stderr.hasPrefix("Error: no tool given (uprocd, uproc-check, uproc-genconf, uproc-kill or uproc-top)\nUsage: uproc"))
        let unknown = try Tools.run("uproc", ["uproc-ps"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.hasPrefix("Error: unknown tool 'uproc-ps' (uprocd, uproc-check, uproc-genconf, uproc-kill or uproc-top)"))
        #expect(unknown.stdout == "")
    }

    /// Under a name that is no tool's (a copy, a renamed link) the
    /// executable is `uproc`: it needs the tool's name as its first argument.
    @Test func anotherNameIsUproc() throws {
        let directory = try TemporaryDirectory()
        let other = directory.path + "/uprocd.old"
        try FileManager.default.createSymbolicLink(atPath: other, withDestinationPath: Tools.path("uproc"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: other)
        process.arguments = ["uproc-genconf", "--version"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text == "uproc-genconf 0.1.0\n")
    }
}
