import Foundation
import Testing
import UprocConfig
import UprocTestSupport

/// `uproc-check` without FILE and without /etc/uproc.conf checks the rules
/// uprocd would run on: the built-in default. The hidden options point it
/// at a default path that does not exist and at the fixture accounts.
@Suite struct BuiltInDefaultTests {
    struct World {
        let disk: AccountsFixtureOnDisk
        var defaultPath: String { disk.directory.path + "/uproc.conf" }
        var arguments: [String] { ["--default-config", defaultPath, "--accounts-files", "\(disk.passwd):\(disk.group)"] }
        var note: String {
            "uproc-check: note: no \(defaultPath): checking the built-in default uprocd runs on instead "
                + "(the rules uproc-genconf prints for this machine)\n"
        }

        init() throws { disk = try AccountsFixtureOnDisk() }
    }

    @Test func withoutAFileChecksTheBuiltInDefault() throws {
        let world = try World()
        let run = try Tools.run("uproc-check", world.arguments)
        #expect(run.status == 0)
        #expect(run.stdout == "<built-in default>: valid: 26 rules, 26 namespaces, 13 warnings\n")
        #expect(run.stderr == world.note + world.disk.expectedWarnings.map { $0 + "\n" }.joined())
    }

    /// What `--dump` shows is the table uprocd's loader compiles, and the
    /// warnings are the ones the daemon logs.
    @Test func dumpIsTheTableTheDaemonLoads() throws {
        let world = try World()
        let run = try Tools.run("uproc-check", world.arguments + ["--dump"])
        #expect(run.status == 0)
        let loaded = try ConfigLoader.load(
            path: nil, defaultPath: world.defaultPath,
            defaultAccounts: .files(passwd: world.disk.passwd, group: world.disk.group))
        #expect(loaded.origin == "<built-in default>")
        #expect(run.stdout == loaded.table.dump() + "<built-in default>: valid: 26 rules, 26 namespaces, 13 warnings\n")
        #expect(loaded.warnings == world.disk.expectedWarnings)
    }

    @Test func werrorMakesTheSkippedAccountsErrors() throws {
        let world = try World()
        let run = try Tools.run("uproc-check", world.arguments + ["--werror"])
        #expect(run.status == 1)
        #expect(run.stdout == "")
        let errors = world.disk.expectedWarnings.map { $0.replacing(": warning: ", with: ": error: ") + "\n" }.joined()
        #expect(run.stderr == world.note + errors + "<built-in default>: invalid: 13 errors, 0 warnings\n")
    }

    @Test func explainsAProcessAgainstTheBuiltInDefault() throws {
        let world = try World()
        let pid = ProcessInfo.processInfo.processIdentifier
        let run = try Tools.run("uproc-check", world.arguments + ["--explain", "\(pid)"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("<built-in default>: valid: 26 rules, 26 namespaces, 13 warnings\nprocess \(pid): comm '"))
    }

    /// /etc/uproc.conf, when it exists, is what uprocd runs on: no note.
    @Test func anExistingDefaultFileIsCheckedInstead() throws {
        let world = try World()
        try Data("uid 0 a\n".utf8).write(to: URL(fileURLWithPath: world.defaultPath))
        let run = try Tools.run("uproc-check", world.arguments)
        #expect(run.status == 0)
        #expect(run.stdout == "\(world.defaultPath): valid: 1 rule, 1 namespace, 0 warnings\n")
        #expect(run.stderr == "")
    }

    /// A file named on the command line must exist, as `uprocd -c` wants it.
    @Test func aGivenFileNeverFallsBack() throws {
        let world = try World()
        let run = try Tools.run("uproc-check", world.arguments + [world.defaultPath])
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr == "uproc-check: \(world.defaultPath): No such file or directory\n")
    }

    @Test func unreadableAccountsCheckNothing() throws {
        let world = try World()
        let missing = world.disk.directory.path + "/no-group"
        let run = try Tools.run(
            "uproc-check", ["--default-config", world.defaultPath, "--accounts-files", "\(world.disk.passwd):\(missing)"])
        #expect(run.status == 2)
        #expect(run.stdout == "")
        #expect(run.stderr == "uproc-check: cannot build the built-in default: \(missing): No such file or directory\n")
    }
}
