import Testing
@testable import UprocRules
import UprocTestSupport

/// What the new rules compile to: tree, login and executable rules as
/// namespaces of their own part of the table, account templates expanded
/// per account, dynamic templates kept for the tracker.
@Suite struct TemplateCompileTests {
    static func table(_ text: String, compiler: RuleCompiler = Fixture.compiler) throws -> DecisionTable {
        let compilation = compiler.compile(SourceFile(path: "conf", text: text))
        #expect(compilation.diagnostics.isEmpty, "\(compilation.diagnostics.map(\.message))")
        return try #require(compilation.table)
    }

    static func names(_ table: DecisionTable, _ ids: [NamespaceID]) -> [String] { ids.map { table.name(of: $0) } }

    @Test func treeLoginAndExeRulesReadBackAsWritten() throws {
        let table = try Self.table("""
            tree cmd sshd ssh.all
            tree uid alice cmd make builds
            loginuid alice login.alice
            loginuid unset nologin
            exe "/usr/bin/python3*" python.all
            tree loginuid 4294967295 exe /usr/sbin/cron cron.jobs
            uid 0 uid.root
            """)
        // Plain rules first, then the others, each in source order.
        #expect(table.namespaceNames == ["uid.root", "ssh.all", "builds", "login.alice", "nologin", "python.all", "cron.jobs"])
        #expect(table.rules.map(\.description) == [
            "uid 0 uid.root", "tree cmd sshd ssh.all", "tree uid 1000 cmd make builds", "loginuid 1000 login.alice",
            "loginuid unset nologin", "exe /usr/bin/python3* python.all", "tree loginuid unset exe /usr/sbin/cron cron.jobs",
        ])
        #expect(table.rules.map(\.line) == [7, 1, 2, 3, 4, 5, 6])
        #expect((0..<table.namespaceCount).filter { table.isTree(NamespaceID($0)) }.map { table.namespaceNames[$0] }
            == ["ssh.all", "builds", "cron.jobs"])
        #expect(table.hasTrees)
        #expect(table.usedKeys == [.uid, .cmd, .loginuid, .exe])
        #expect(DecisionTable(rules: table.rules).rules == table.rules)
        for name in table.namespaceNames { #expect(table.id(of: name).map { table.name(of: $0) } == name) }
    }

    @Test(arguments: [
        (ProcessIdentity(uid: 0, gid: 0, comm: "sshd", loginuid: 1000), "/usr/sbin/sshd", ["uid.root", "ssh.all", "login.alice"]),
        (ProcessIdentity(uid: 1000, gid: 100, comm: "make"), "/usr/bin/make", ["builds", "nologin"]),
        (ProcessIdentity(uid: 7, gid: 7, comm: "python3", loginuid: 1000), "/usr/bin/python3.11", ["login.alice", "python.all"]),
        (ProcessIdentity(uid: 7, gid: 7, comm: "python3"), "/opt/python3", ["nologin"]),
        (ProcessIdentity(uid: 0, gid: 0, comm: "cron"), "/usr/sbin/cron", ["uid.root", "nologin", "cron.jobs"]),
        (ProcessIdentity(uid: 0, gid: 0, comm: "cron", loginuid: 0), "/usr/sbin/cron", ["uid.root"]),
    ])
    func matchesByLoginAndExecutable(_ identity: ProcessIdentity, _ path: String, _ expected: [String]) throws {
        let table = try Self.table("""
            tree cmd sshd ssh.all
            tree uid alice cmd make builds
            loginuid alice login.alice
            loginuid unset nologin
            exe "/usr/bin/python3*" python.all
            tree loginuid 4294967295 exe /usr/sbin/cron cron.jobs
            uid 0 uid.root
            """)
        let executable = table.executableMatches(path: Array(path.utf8))
        let matches = table.matches(identity, executable: executable)
        #expect(Self.names(table, matches) == expected)
        // Each rule agrees, one by one.
        for rule in table.rules {
            let id = table.id(of: rule.namespace)!
            #expect(table.rule(id, holdsFor: identity, executable: executable) == matches.contains(id))
            #expect(rule.holds(for: identity, executable: Array(path.utf8)) == matches.contains(id))
        }
        // An unknown executable matches no `exe` rule.
        #expect(!table.matches(identity).contains { table.rules[Int($0.index)].executable != nil })
    }

    /// `uid * uid.{user}` + `gid * gid.{group}`: one namespace per account,
    /// by ID then name, rules as `uproc-genconf` writes them; each keeps a
    /// numeric part for IDs without an account.
    @Test func accountTemplatesExpandPerAccount() throws {
        let table = try Self.table("uid * uid.{user}\ngid * gid.{group}\n")
        #expect(table.namespaceNames == [
            "uid.root", "uid.1password", "uid.alice", "uid.bob-smith", "uid.nobody",
            "gid.root", "gid.wheel", "gid.backup", "gid.users",
        ])
        #expect(table.rules.map(\.description).prefix(3) == ["uid 0 uid.root", "uid 999 uid.1password", "uid 1000 uid.alice"])
        #expect(table.rules.allSatisfy { $0.line == ($0.namespace.hasPrefix("uid.") ? 1 : 2) })
        #expect(table.templates.map(\.uncovered) == [.uid, .gid])
        #expect(table.usedKeys == [.uid, .gid])
        // A UID without an account is named by its number; one with an account is not.
        var name: [UInt8] = []
        #expect(table.templateName(0, for: ProcessIdentity(uid: 4242, gid: 0, comm: "x"), executable: .none, path: nil, into: &name))
        #expect(String(decoding: name, as: UTF8.self) == "uid.4242")
        #expect(!table.templateName(0, for: ProcessIdentity(uid: 1000, gid: 0, comm: "x"), executable: .none, path: nil, into: &name))
    }

    @Test func aConcreteRuleWinsOverAnExpansionOfItsName() throws {
        let table = try Self.table("uid * uid.{user}\ncmd init uid.root\n")
        let root = try #require(table.id(of: "uid.root"))
        #expect(table.rules[Int(root.index)].description == "cmd init uid.root")
        #expect(table.namespaceNames.count == 5)
        #expect(Self.names(table, table.matches(ProcessIdentity(uid: 0, gid: 0, comm: "bash"))) == [])
    }

    @Test(arguments: [
        ("uid 1000 cmd sshd ssh.{user}.{cmd}", "ssh.alice.sshd", "uid 1000 cmd sshd ssh.alice.sshd"),
        ("uid 4242 u.{user}", "u.4242", "uid 4242 u.4242"),
        ("gid wheel g.{gid}.{group}", "g.10.wheel", "gid 10 g.10.wheel"),
        ("ruid * r.{user}", "r.root", "ruid 0 r.root"),
        ("loginuid * login.{loginuser}", "login.root", "loginuid 0 login.root"),
        // The spelling: in a rule on the login UID alone, {user} and {uid} are the login user's.
        ("loginuid * login.{user}", "login.root", "loginuid 0 login.root"),
        ("loginuid * login.{uid}", "login.0", "loginuid 0 login.0"),
        ("loginuid alice l.{user}.{uid}", "l.alice.1000", "loginuid 1000 l.alice.1000"),
        // With a uid key too, {user} is the effective user's.
        ("uid 0 loginuid alice x.{user}.{loginuser}", "x.root.alice", "uid 0 loginuid 1000 x.root.alice"),
        ("tree uid * t.{uid}", "t.0", "tree uid 0 t.0"),
        ("cmd sshd uid * gid 0 x.{user}", "x.root", "cmd sshd uid 0 gid 0 x.root"),
        ("cmd \"a b/c\" x.{cmd}", "x.a%20b%2Fc", "cmd \"a b/c\" x.a%20b%2Fc"),
        ("exe /usr/bin/vi e.{exe}", "e.%2Fusr%2Fbin%2Fvi", "exe /usr/bin/vi e.%2Fusr%2Fbin%2Fvi"),
        ("uid 0 \"a{{b}}\"", "a{b}}", "uid 0 a{b}}"),
        ("uid 0 \"}{x{}{1}\"", "}{x{}{1}", "uid 0 }{x{}{1}"),
    ])
    func staticTemplatesMakeRules(_ text: String, _ first: String, _ rule: String) throws {
        let table = try Self.table(text)
        #expect(table.namespaceNames.first == first)
        #expect(table.rules.first?.description == rule)
    }

    @Test func dynamicTemplatesAreKeptForTheTracker() throws {
        let table = try Self.table("cmd \"*\" cmd.{cmd}\nuid * cmd \"py*\" py.{user}.{cmd}\ntree exe \"/opt/*\" opt.{exe}\n")
        #expect(table.namespaceCount == 0)
        #expect(table.templates.map(\.rule.description) == [
            "cmd * cmd.{cmd}", "cmd py* uid * py.{user}.{cmd}", "tree exe /opt/* opt.{exe}",
        ])
        #expect(table.templates.map(\.isTree) == [false, false, true])
        #expect(table.hasTrees)
        #expect(table.usedKeys == [.uid, .cmd, .exe])
        var name: [UInt8] = []
        func made(_ template: Int, _ identity: ProcessIdentity, _ path: String? = nil) -> String? {
            let executable = path.map { table.executableMatches(path: Array($0.utf8)) } ?? .none
            guard table.templateName(template, for: identity, executable: executable, path: path.map { Array($0.utf8) }, into: &name)
            else { return nil }
            return String(decoding: name, as: UTF8.self)
        }
        #expect(made(0, ProcessIdentity(uid: 0, gid: 0, comm: "Web Content")) == "cmd.Web%20Content")
        #expect(made(0, ProcessIdentity(uid: 0, gid: 0, comm: ".hidden")) == "cmd..hidden")
        #expect(made(0, ProcessIdentity(uid: 0, gid: 0, comm: "kworker/0:1")) == "cmd.kworker%2F0:1")
        #expect(made(1, ProcessIdentity(uid: 1000, gid: 0, comm: "python3")) == "py.alice.python3")
        #expect(made(1, ProcessIdentity(uid: 4242, gid: 0, comm: "python3")) == "py.4242.python3")
        #expect(made(1, ProcessIdentity(uid: 1000, gid: 0, comm: "bash")) == nil)
        #expect(made(2, ProcessIdentity(uid: 0, gid: 0, comm: "x"), "/opt/tool (deleted)") == "opt.%2Fopt%2Ftool%20(deleted)")
        #expect(made(2, ProcessIdentity(uid: 0, gid: 0, comm: "x"), "/usr/bin/tool") == nil)
        #expect(made(2, ProcessIdentity(uid: 0, gid: 0, comm: "x")) == nil)
    }

    /// A name that would be empty or over 255 bytes is not made.
    @Test func namesTooLongOrEmptyAreNotMade() throws {
        let commands = try Self.table("cmd \"*\" {cmd}\n")
        var name: [UInt8] = []
        #expect(!commands.templateName(0, for: ProcessIdentity(uid: 0, gid: 0, comm: ""), executable: .none, path: nil, into: &name))
        let table = try Self.table("exe \"*\" x.{exe}\n")
        let long = "/" + String(repeating: "d", count: 253)
        let fits = "/" + String(repeating: "d", count: 250)
        for (path, expected) in [(long, false), (fits, true)] {
            let executable = table.executableMatches(path: Array(path.utf8))
            #expect(table.templateName(0, for: ProcessIdentity(uid: 0, gid: 0, comm: "x"), executable: executable,
                                       path: Array(path.utf8), into: &name) == expected)
        }
    }

    @Test func expansionsStopAtTheNamespaceLimit() throws {
        let compiler = RuleCompiler(accounts: Fixture.accounts, maxNamespaces: 3)
        let input = Marked("uid 0 keep\nuid * ⟨^⟩u.{user}\n")
        let compilation = compiler.compile(input.source)
        #expect(compilation.diagnostics.map(\.kind) == [.templateCapped(total: 5, kept: 2, limit: 3)])
        #expect(compilation.diagnostics.first?.location == SourceLocation(path: "conf", line: 2, column: input.marks[0].column))
        let table = try #require(compilation.table)
        #expect(table.namespaceNames == ["keep", "u.root", "u.1password"])
        #expect(table.maxNamespaces == 3)
    }

    struct Listing: AccountResolver {
        var users: [AccountName]
        func userID(named name: String) -> UInt32? { users.first { $0.name == Array(name.utf8) }?.id }
        func groupID(named name: String) -> UInt32? { nil }
        func accounts(in database: AccountDatabase) -> [AccountName]? { database == .users ? users : nil }
    }

    /// A name twice in passwd: the first account keeps it, as
    /// `uproc-genconf` does; the same name and ID twice is one namespace.
    @Test func aNameTwiceInPasswdGoesToTheFirst() throws {
        let compiler = RuleCompiler(accounts: Listing(users: [
            AccountName("a", id: 1), AccountName("b", id: 1), AccountName("a", id: 2), AccountName("b", id: 1),
        ]))
        let compilation = compiler.compile(SourceFile(path: "conf", text: "uid * u.{user}\n"))
        #expect(compilation.diagnostics.map(\.kind) == [
            .accountNameTaken("u.a", source: "user 'a' (uid 2)", firstSource: "user 'a' (uid 1)"),
        ])
        let table = try #require(compilation.table)
        #expect(table.rules.map(\.description) == ["uid 1 u.a", "uid 1 u.b"])
        #expect(table.templates.first?.rule.description == "uid * u.{user}")
    }

    @Test func aResolverThatCannotListAccountsCannotExpand() {
        struct NoList: AccountResolver {
            func userID(named name: String) -> UInt32? { nil }
            func groupID(named name: String) -> UInt32? { nil }
        }
        let input = Marked("gid ⟨^⟩* g.{group}\n")
        let compilation = RuleCompiler(accounts: NoList()).compile(input.source)
        #expect(compilation.table == nil)
        #expect(compilation.diagnostics.map(\.kind) == [.accountsNotListed(.groups)])
        #expect(compilation.diagnostics.first?.location.column == input.marks[0].column)
    }

    @Test func dumpShowsTreesLoginsExecutablesAndTemplates() throws {
        let table = try Self.table("""
            tree cmd sshd ssh.all
            loginuid alice login.alice
            exe /usr/bin/python3* py
            tree loginuid unset exe /usr/sbin/cron cron.jobs
            uid 0 root
            cmd "*" cmd.{cmd}
            gid * gid.{group}
            """)
        #expect(table.dump() == """
            uid 0 -> root
            gid 0 -> gid.root
            gid 10 -> gid.wheel
            gid 34 -> gid.backup
            gid 100 -> gid.users
            cmd sshd -> ssh.all (tree)
            loginuid 1000 -> login.alice
            loginuid unset -> cron.jobs (tree) [exe /usr/sbin/cron]
            exe /usr/bin/python3* -> py
            exe /usr/sbin/cron -> cron.jobs (tree) [loginuid unset]
            template line 6 -> cmd * cmd.{cmd}
            template line 7 -> gid * gid.{group} (IDs without an account: gid *)

            """)
    }

    /// Plain configs compile exactly as before: no extended part.
    @Test func plainConfigsKeepTheirOrderAndHaveNoTemplates() throws {
        let table = try Self.table("uid 1 a\ncmd x b\ngid 2 c\n")
        #expect(table.namespaceNames == ["a", "b", "c"])
        #expect(table.templates.isEmpty)
        #expect(!table.hasTrees)
        #expect(!table.isTree(NamespaceID(0)))
    }
}

@Suite struct NameEncodingTests {
    @Test(arguments: [
        ("sshd", "sshd"), ("a b", "a%20b"), ("a/b", "a%2Fb"), ("100%", "100%25"), (".hidden", "%2Ehidden"),
        ("x.y", "x.y"), ("..", "%2E."), ("\u{1}x", "%01x"), ("\u{7F}", "%7F"), ("jörg", "jörg"), ("{x}", "{x}"),
        ("tab\there", "tab%09here"), ("#!:~", "#!:~"),
    ])
    func encodesWhatANameCannotHold(_ value: String, _ expected: String) {
        #expect(String(decoding: NameEncoding.encoded(Array(value.utf8)), as: UTF8.self) == expected)
    }

    @Test(arguments: [([UInt8(0xFF)], "%FF"), ([0xC3], "%C3"), ([0x61, 0xC3, 0xA9, 0xE2], "aé%E2"), ([0], "%00")])
    func encodesInvalidUTF8ByteByByte(_ value: [UInt8], _ expected: String) {
        #expect(String(decoding: NameEncoding.encoded(value), as: UTF8.self) == expected)
    }

    /// Any value gives a valid name that decodes back to it, and two values
    /// never give one name.
    @Test func encodingIsAValidNameAndReversible() {
        var random = SplitMix64(seed: 7)
        var seen: [[UInt8]: [UInt8]] = [:]
        let alphabet: [UInt8] = [0, 1, 0x20, 0x25, 0x2E, 0x2F, 0x41, 0x7F, 0x80, 0xC3, 0xA9, 0xFF, 0x7B]
        for _ in 0..<20_000 {
            let value = (0..<Int(random.next() % 6 + 1)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            let name = NameEncoding.encoded(value)
            #expect(NamespaceName.problem(with: name) == nil, "\(value)")
            #expect(NameEncoding.decoded(name) == value)
            if let other = seen[name] { #expect(other == value) }
            seen[name] = value
        }
    }
}

@Suite struct NameLanguageTests {
    static func language(_ text: String, _ value: [NameLanguage.Piece]) -> NameLanguage {
        NameLanguage(NameTemplate(elements: [.literal(Array(text.utf8)), .placeholder(Placeholder(key: .cmd, form: .text))])) { _ in value }
    }

    @Test func tellsApartTemplatesThatCannotMeet() {
        let python = Self.language("c.", NameLanguage.glob(CommPattern("py*")))
        let perl = Self.language("c.", NameLanguage.glob(CommPattern("perl*")))
        let all = Self.language("c.", NameLanguage.glob(CommPattern("*")))
        let numbers = Self.language("c.", NameLanguage.number)
        let letters = Self.language("c.", NameLanguage.literal(Array("abc".utf8)))
        #expect(NameLanguage.commonName(python, perl) == nil)
        #expect(NameLanguage.commonName(python, all) == Array("c.py".utf8))
        #expect(NameLanguage.commonName(numbers, letters) == nil)
        #expect(NameLanguage.commonName(numbers, all) == Array("c.0".utf8))
        #expect(NameLanguage.commonName(letters, all) == Array("c.abc".utf8))
        #expect(NameLanguage.commonName(Self.language("d.", NameLanguage.anything), all) == nil)
    }
}

