import Testing
import UprocAccounts
import UprocRules
import UprocTestSupport

/// Rule names resolved from given passwd and group files (the daemon's
/// `--accounts-files`), the way glibc's files backend resolves them.
@Suite struct FileAccountsTests {
    @Test func namesResolveFromTheFilesFirstLineFirst() throws {
        let directory = try TemporaryDirectory()
        let passwd = try directory.write("passwd", "root:x:0:0::/root:/bin/sh\n# alice:x:7:7::/:/bin/sh\nalice:x:1000:1000::/:/bin/sh\nalice:x:1001:1001::/:/bin/sh\nbad:x:oops:0::/:/bin/sh\n")
        let group = try directory.write("group", "root:x:0:\nstaff:x:50:alice\n")
        let accounts = FileAccounts(passwd: passwd, group: group)
        #expect(accounts.userID(named: "alice") == 1000)
        #expect(accounts.userID(named: "root") == 0)
        #expect(accounts.userID(named: "bad") == nil)
        #expect(accounts.userID(named: "staff") == nil)
        #expect(accounts.groupID(named: "staff") == 50)
        #expect(accounts.groupID(named: "alice") == nil)
    }

    @Test func aMissingFileKnowsNoNames() throws {
        let directory = try TemporaryDirectory()
        let group = try directory.write("group", "staff:x:50:\n")
        let accounts = FileAccounts(passwd: directory.path + "/missing", group: group)
        #expect(accounts.userID(named: "root") == nil)
        #expect(accounts.groupID(named: "staff") == 50)
    }
}

/// The built-in default as two templates: `uid * uid.{user}` and
/// `gid * gid.{group}` over the files make every namespace the generator
/// writes, with the same rule; the only others are the accounts the
/// generator skips for a name a file name cannot hold, here percent-encoded.
@Suite struct DefaultAsTemplatesTests {
    @Test func templatesMakeTheGeneratorsNamespaces() throws {
        let directory = try TemporaryDirectory()
        let passwd = try directory.write("passwd", AccountsFixture.passwd)
        let group = try directory.write("group", AccountsFixture.group)
        let generated = Fixtures.generate()
        let generatedTable = try #require(RuleCompiler().compile(SourceFile(path: "generated", text: generated.text)).table)

        let compiler = RuleCompiler(accounts: FileAccounts(passwd: passwd, group: group))
        let compilation = compiler.compile(SourceFile(path: "templates", text: "uid * uid.{user}\ngid * gid.{group}\n"))
        // The second alice (UID 1007) and group alice (GID 1003) lose their
        // names to the first, as in the generator.
        #expect(compilation.diagnostics.map(\.message) == [
            "namespace 'uid.alice' for user 'alice' (uid 1007) is already made for user 'alice' (uid 1000): the first account keeps it",
            "namespace 'gid.alice' for group 'alice' (gid 1003) is already made for group 'alice' (gid 1000): the first account keeps it",
        ])
        let table = try #require(compilation.table)
        let rules = Dictionary(uniqueKeysWithValues: table.rules.map { ($0.namespace, $0.conditions) })
        for rule in generatedTable.rules {
            #expect(rules[rule.namespace] == rule.conditions, "\(rule.namespace)")
        }
        let extra = Set(table.namespaceNames).subtracting(generatedTable.namespaceNames)
        #expect(extra == ["uid.bad%20name", "gid.tab%09name"])
        // In the generator's order: by ID then name, users then groups.
        #expect(table.namespaceNames.filter { !extra.contains($0) } == generatedTable.namespaceNames)
    }
}
