import Foundation
import Testing

/// Every man page lints clean with `groff -ww -man -z` (warnings on, no
/// output): a warning is a failure.
@Suite struct ManPageTests {
    static let manDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("man")

    static var pages: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: manDirectory.path)) ?? []
        return names.filter { $0.range(of: #"\.[0-9]$"#, options: .regularExpression) != nil }.sorted()
    }

    @Test func theProjectHasItsManPages() {
        #expect(Set(["uproc.conf.5", "uproc-check.8", "uproc-kill.1"]).isSubset(of: Set(Self.pages)))
    }

    @Test(arguments: pages)
    func lintsClean(_ page: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["groff", "-ww", "-man", "-z", Self.manDirectory.appendingPathComponent(page).path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(message == "", "\(page): \(message)")
    }
}
