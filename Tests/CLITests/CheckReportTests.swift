import Testing
import UprocCheck
import UprocRules

/// uproc-check's words and exit statuses, without running it.
@Suite struct CheckReportTests {
    static let compiler = RuleCompiler(accounts: StaticAccounts(users: ["alice": 1000], groups: ["backup": 34]))

    static let config = """
        uid 0 root
        uid alice cmd sshd alice.ssh
        gid backup backup
        cmd "python3*" py
        cmd "Web Content" tabs
        uid 1000 alice

        """

    @Test func summarizesAValidConfig() {
        let report = CheckReport(checking: SourceFile(path: "uproc.conf", text: Self.config), with: Self.compiler)
        #expect(report == CheckReport(
            standardOutput: "uproc.conf: valid: 6 rules, 6 namespaces, 0 warnings\n", standardError: "", status: .valid))
    }

    @Test func dumpsTheTablePerKey() {
        let report = CheckReport(
            checking: SourceFile(path: "uproc.conf", text: Self.config), with: Self.compiler, dump: true)
        #expect(report.standardOutput == """
            uid 0 -> root
            uid 1000 -> alice.ssh [cmd sshd] alice
            gid 34 -> backup
            cmd "Web Content" -> tabs
            cmd sshd -> alice.ssh [uid 1000]
            cmd python3* -> py
            uproc.conf: valid: 6 rules, 6 namespaces, 0 warnings

            """)
        #expect(report.status == .valid)
    }

    @Test func dumpListsNamespacesThatShareARule() {
        let text = "cmd \"*\" all.1\nuid 0 cmd sshd a\ncmd \"*\" all.2\ncmd sshd uid 0 b\nuid 0 root\n"
        let report = CheckReport(checking: SourceFile(path: "c", text: text), with: Self.compiler, dump: true)
        #expect(report.standardOutput == """
            uid 0 -> a [cmd sshd] b [cmd sshd] root
            cmd sshd -> a [uid 0] b [uid 0]
            cmd * -> all.1 all.2
            same rule -> all.1 all.2
            same rule -> a b
            c: valid: 5 rules, 5 namespaces, 0 warnings

            """)
    }

    @Test func reportsErrorsAndCountsThem() {
        let report = CheckReport(checking: SourceFile(path: "c", text: "uid 1 a\nusr 2 b\ncmd abcdefghijklmnopq a\n"), with: Self.compiler)
        #expect(report.status == .invalid)
        #expect(report.standardOutput == "")
        #expect(report.standardError == """
            c:2:1: error: unknown key 'usr' (expected uid, gid, ruid, rgid or cmd)
            usr 2 b
            ^
            c:3:5: warning: cmd 'abcdefghijklmnopq' is 17 bytes, but a process's comm holds at most 15 ('abcdefghijklmno'): only a kernel thread can have this name
            cmd abcdefghijklmnopq a
                ^
            c:3:23: error: duplicate namespace 'a' (first defined on line 1)
            cmd abcdefghijklmnopq a
                                  ^
            c: invalid: 2 errors, 1 warning

            """)
    }

    @Test func werrorTurnsWarningsIntoErrors() {
        let source = SourceFile(path: "c", text: "cmd abcdefghijklmnopq long\n")
        let lenient = CheckReport(checking: source, with: Self.compiler)
        #expect(lenient.status == .valid)
        #expect(lenient.standardOutput == "c: valid: 1 rule, 1 namespace, 1 warning\n")
        let strict = CheckReport(checking: source, with: Self.compiler, warningsAsErrors: true)
        #expect(strict.status == .invalid)
        #expect(strict.standardOutput == "")
        #expect(strict.standardError.hasPrefix("c:1:5: error: cmd 'abcdefghijklmnopq' is 17 bytes"))
        #expect(strict.standardError.hasSuffix("c: invalid: 1 error, 0 warnings\n"))
    }

    @Test func reportsAnUnreadableFile() {
        #expect(CheckReport(unreadable: "/nope: No such file or directory") == CheckReport(
            standardOutput: "", standardError: "uproc-check: /nope: No such file or directory\n", status: .unusable))
    }

    @Test func reportsAProcessThatIsGone() {
        #expect(CheckReport(noSuchProcess: 2147483647) == CheckReport(
            standardOutput: "", standardError: "uproc-check: no process with PID 2147483647\n", status: .unusable))
    }

    @Test func explainsAProcessMembershipAndNearMisses() {
        let identity = ProcessIdentity(ruid: 1000, euid: 1000, rgid: 34, egid: 34, comm: "python3.11")
        let report = CheckReport(
            checking: SourceFile(path: "uproc.conf", text: Self.config), with: Self.compiler,
            explaining: (pid: 42, identity: identity))
        #expect(report.status == .valid)
        #expect(report.standardOutput == """
            uproc.conf: valid: 6 rules, 6 namespaces, 0 warnings
            process 42: comm 'python3.11', uid 1000, gid 34, ruid 1000, rgid 34
            in 3 namespaces:
              line 3: gid 34 backup
              line 4: cmd python3* py
              line 6: uid 1000 alice
            near misses (some conditions hold, not all):
              line 2: uid 1000 cmd sshd alice.ssh: comm is 'python3.11', not 'sshd'

            """)
    }

    @Test func explainsAProcessInNoNamespace() {
        let identity = ProcessIdentity(uid: 7, gid: 7, comm: "init")
        let report = CheckReport(
            checking: SourceFile(path: "uproc.conf", text: Self.config), with: Self.compiler,
            explaining: (pid: 1, identity: identity))
        #expect(report.standardOutput.hasSuffix("process 1: comm 'init', uid 7, gid 7, ruid 7, rgid 7\nin no namespace\n"))
    }
}

/// The built-in default's skipped accounts: warnings before the compiler's,
/// counted with them, errors under `--werror`.
@Suite struct CheckReportInputWarningTests {
    static let source = SourceFile(path: "<built-in default>", text: "uid 0 uid.root\n")
    static let skipped = [InputWarning(origin: "/etc/passwd:3", message: "user 'a b' (UID 5) skipped: a namespace name cannot contain spaces or control bytes (found 0x20)")]

    @Test func countsAsWarnings() {
        let report = CheckReport(checking: Self.source, with: CheckReportTests.compiler, inputWarnings: Self.skipped)
        #expect(report == CheckReport(
            standardOutput: "<built-in default>: valid: 1 rule, 1 namespace, 1 warning\n",
            standardError: "/etc/passwd:3: warning: user 'a b' (UID 5) skipped: a namespace name cannot contain spaces or control bytes (found 0x20)\n",
            status: .valid))
    }

    @Test func areErrorsUnderWerror() {
        let report = CheckReport(
            checking: Self.source, with: CheckReportTests.compiler, warningsAsErrors: true, inputWarnings: Self.skipped)
        #expect(report == CheckReport(
            standardOutput: "",
            standardError: "/etc/passwd:3: error: user 'a b' (UID 5) skipped: a namespace name cannot contain spaces or control bytes (found 0x20)\n"
                + "<built-in default>: invalid: 1 error, 0 warnings\n",
            status: .invalid))
    }
}
