import Testing
import UprocAccounts
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
