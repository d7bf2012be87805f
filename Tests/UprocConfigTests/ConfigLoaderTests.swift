import Foundation
import Testing
import UprocAccounts
import UprocConfig
import UprocRules
import UprocTestSupport

/// The rules a tool runs on, found, read and compiled as `uprocd` does.
@Suite struct ConfigLoaderTests {
    @Test func theBuiltInDefaultKeepsTheGeneratorsWarnings() throws {
        let directory = try TemporaryDirectory()
        let passwd = try directory.write("passwd", "root:x:0:0:root:/root:/bin/bash\nbroken line\nalice:x:1000:1000::/home/alice:/bin/sh\n")
        let group = try directory.write("group", "root:x:0:\n")
        let loaded = try ConfigLoader.load(
            path: nil, defaultPath: directory.path + "/absent.conf",
            defaultAccounts: .files(passwd: passwd, group: group))
        #expect(loaded.origin == "<built-in default>")
        #expect(loaded.table.namespaceNames.sorted() == ["gid.root", "uid.alice", "uid.root"])
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings.first?.hasPrefix("\(passwd):2: warning: ") == true, "\(loaded.warnings)")
    }
}

/// What decides whether a reload is skipped, and which permissions are warned about.
@Suite struct ReloadPartsTests {
    @Test func theDigestSkipsOnlyEqualInput() throws {
        let directory = try TemporaryDirectory()
        let passwd = try directory.write("passwd", "alice:x:1000:1000::/:/bin/sh\n")
        let group = try directory.write("group", "staff:x:50:\n")
        let accounts = AccountsSource.files(passwd: passwd, group: group)
        let source = SourceFile(path: "c", text: "uid alice a\n")
        let withAccounts = ConfigLoader.digest(of: source, namesAccounts: true, accounts: accounts)
        #expect(withAccounts == ConfigLoader.digest(of: source, namesAccounts: true, accounts: accounts))
        #expect(withAccounts != ConfigLoader.digest(of: source, namesAccounts: false, accounts: accounts))
        #expect(ConfigLoader.digest(of: SourceFile(path: "c", text: "uid alice b\n"), namesAccounts: false, accounts: accounts)
            != ConfigLoader.digest(of: source, namesAccounts: false, accounts: accounts))
        // A user renamed in passwd changes what `uid alice` means.
        _ = try directory.write("passwd", "alicia:x:1000:1000::/:/bin/sh\n")
        #expect(withAccounts != ConfigLoader.digest(of: source, namesAccounts: true, accounts: accounts))
    }

    @Test func compilingRecordsWhetherTheRulesNameAccounts() throws {
        let accounts = StaticAccounts(users: ["alice": 1000])
        #expect(try ConfigLoader.compile(.init(path: "c", text: "uid alice a\n"), accounts: accounts).namesAccounts)
        #expect(try !ConfigLoader.compile(.init(path: "c", text: "uid 1000 a\n"), accounts: accounts).namesAccounts)
    }

    @Test func permissionsOthersCouldUseAreProblems() throws {
        let directory = try TemporaryDirectory()
        #expect(chmod(directory.path, 0o755) == 0)
        let config = try directory.write("uproc.conf", "uid 0 root\n")
        #expect(chmod(config, 0o644) == 0)
        #expect(ConfigPermissions.problems(chain: [config]) == [])
        #expect(chmod(config, 0o664) == 0)
        #expect(ConfigPermissions.problems(chain: [config]).count == 1)
        #expect(chmod(config, 0o644) == 0)
        #expect(chmod(directory.path, 0o777) == 0)
        #expect(ConfigPermissions.problems(chain: [config]) == [
            "directory \(directory.path) is writable by everyone (mode 777): they decide the rules"
        ])
    }
}
