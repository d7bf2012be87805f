import Testing
import UprocAccounts

/// One line of passwd or group text and what the parser makes of it.
struct LineCase: CustomTestStringConvertible, Sendable {
    var kind: AccountKind
    var line: String
    /// The entry's name and ID, or nil when the line is skipped.
    var entry: (name: String, id: UInt32)?
    /// The warning's message, or nil when the line is skipped quietly or
    /// accepted.
    var warning: String?

    var testDescription: String { "\(kind.rawValue): \(line.debugDescription)" }
}

@Suite struct AccountsFileTests {
    static let lineCases: [LineCase] = [
        LineCase(kind: .user, line: "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash", entry: ("alice", 1000)),
        LineCase(kind: .user, line: "root::0:0:::", entry: ("root", 0)),
        LineCase(kind: .user, line: "max:x:4294967294:0::/:/bin/sh", entry: ("max", 4_294_967_294)),
        LineCase(kind: .user, line: "zeros:x:007:0::/:/bin/sh", entry: ("zeros", 7)),
        LineCase(kind: .group, line: "sudo:x:27:alice,bob", entry: ("sudo", 27)),
        LineCase(kind: .group, line: "empty:x:100:", entry: ("empty", 100)),
        // Lines glibc's files backend accepts give their account: a DOS
        // line ending stays in the last field (the shell, the members)...
        LineCase(kind: .user, line: "dave:x:1004:1004::/home/dave:/bin/sh\r", entry: ("dave", 1004)),
        LineCase(kind: .group, line: "dos:x:1005:alice,bob\r", entry: ("dos", 1005)),
        LineCase(kind: .group, line: "dos:x:1005:\r", entry: ("dos", 1005)),
        // ...fields after the IDs may be missing, or more (the last takes
        // the rest of the line)...
        LineCase(kind: .user, line: "short:x:1000:1000", entry: ("short", 1000)),
        LineCase(kind: .user, line: "six:x:1000:1000:Six:/home/six", entry: ("six", 1000)),
        LineCase(kind: .user, line: "eight:x:1000:1000:Eight:/home/e:/bin/sh:extra", entry: ("eight", 1000)),
        LineCase(kind: .group, line: "wheel:x:10", entry: ("wheel", 10)),
        LineCase(kind: .group, line: "more:x:11:a:b", entry: ("more", 11)),
        // ...leading white space goes, and a NUL ends the line (C strings)...
        LineCase(kind: .user, line: " \t\u{0B}\u{0C}\rindented:x:5:5::/:/bin/sh", entry: ("indented", 5)),
        LineCase(kind: .user, line: "nul:x:6:6::/:/bin/sh\u{0}junk", entry: ("nul", 6)),
        LineCase(kind: .user, line: "cut:x:7:7\u{0}:::", entry: ("cut", 7)),
        // ...and IDs are read as strtoul reads them: leading blanks, a
        // sign (a minus wraps: only what then fits 32 bits is an ID);
        // 4294967295, (uid_t)-1, is read, for the generator to skip.
        LineCase(kind: .user, line: "sp:x: 5:+6::/:/bin/sh", entry: ("sp", 5)),
        LineCase(kind: .user, line: "plus:x:+8:0::/:/bin/sh", entry: ("plus", 8)),
        LineCase(kind: .user, line: "minus0:x:-0:0::/:/bin/sh", entry: ("minus0", 0)),
        LineCase(kind: .user, line: "wrap:x:-18446744073709551615:0::/:/bin/sh", entry: ("wrap", 1)),
        LineCase(kind: .user, line: "max:x:4294967295:0::/:/bin/sh", entry: ("max", 4_294_967_295)),
        LineCase(
            kind: .user, line: "minus:x:-1:0::/:/bin/sh",
            warning: "UID '-1' is not a number from 0 to 4294967295; line skipped"),
        LineCase(
            kind: .user, line: "big:x:4294967296:0::/:/bin/sh",
            warning: "UID '4294967296' is not a number from 0 to 4294967295; line skipped"),
        LineCase(
            kind: .user, line: "huge:x:99999999999999999999999:0::/:/bin/sh",
            warning: "UID '99999999999999999999999' is not a number from 0 to 4294967295; line skipped"),
        LineCase(
            kind: .user, line: "gid:x:7:-1::/:/bin/sh", warning: "GID '-1' is not a number from 0 to 4294967295; line skipped"),
        // Blank lines and comments: skipped quietly, as glibc does.
        LineCase(kind: .user, line: ""),
        LineCase(kind: .user, line: "  \t "),
        LineCase(kind: .group, line: "\r"),
        LineCase(kind: .user, line: "# alice:x:1000:1000::/:/bin/sh"),
        LineCase(kind: .group, line: "   # indented comment"),
        // Lines glibc rejects: skipped with a warning.
        LineCase(
            kind: .user, line: "alice:x:1000",
            warning: "expected at least 4 colon-separated fields (name:password:UID:GID), found 3; line skipped"),
        LineCase(
            kind: .group, line: "wheel",
            warning: "expected at least 3 colon-separated fields (name:password:GID), found 1; line skipped"),
        LineCase(kind: .user, line: "dos:x:1004:1004\r", warning: "GID '1004\\x0d' is not a number from 0 to 4294967295; line skipped"),
        LineCase(kind: .group, line: "dos:x:1005\r", warning: "GID '1005\\x0d' is not a number from 0 to 4294967295; line skipped"),
        LineCase(kind: .user, line: "carol:x:10x3:1003::/:/bin/sh", warning: "UID '10x3' is not a number from 0 to 4294967295; line skipped"),
        LineCase(kind: .user, line: "carol:x::1003::/:/bin/sh", warning: "UID '' is not a number from 0 to 4294967295; line skipped"),
        LineCase(kind: .user, line: "carol:x:+:1003::/:/bin/sh", warning: "UID '+' is not a number from 0 to 4294967295; line skipped"),
        LineCase(kind: .user, line: "carol:x:5 :1003::/:/bin/sh", warning: "UID '5 ' is not a number from 0 to 4294967295; line skipped"),
        LineCase(kind: .user, line: "carol:x:1003:staff::/:/bin/sh", warning: "GID 'staff' is not a number from 0 to 4294967295; line skipped"),
        LineCase(kind: .group, line: "staff:x:fifty:", warning: "GID 'fifty' is not a number from 0 to 4294967295; line skipped"),
        // Lines glibc accepts that are not accounts: skipped with a warning.
        LineCase(kind: .user, line: ":x:1000:1000::/:/bin/sh", warning: "empty user name; line skipped"),
        LineCase(kind: .group, line: ":x:1000:", warning: "empty group name; line skipped"),
        LineCase(
            kind: .user, line: "+@admins::::::",
            warning: "NIS compat entry skipped (use --nss to enumerate NIS accounts through the name service)"),
        LineCase(
            kind: .user, line: "+",
            warning: "NIS compat entry skipped (use --nss to enumerate NIS accounts through the name service)"),
        LineCase(
            kind: .group, line: "  -eve:::",
            warning: "NIS compat entry skipped (use --nss to enumerate NIS accounts through the name service)"),
    ]

    @Test(arguments: lineCases)
    func line(_ test: LineCase) {
        let parsed = AccountsFile.parse(Array(("first:x:1:1::/:/bin/sh\n" + test.line + "\n").utf8), path: "in", kind: test.kind)
        let expectedEntries = test.entry.map { [AccountEntry(name: $0.name, id: $0.id, origin: AccountOrigin(source: "in", line: 2))] } ?? []
        // The line before is a user line; for groups it has the wrong field
        // count, so only count what line 2 produced.
        #expect(parsed.entries.filter { $0.origin.line == 2 } == expectedEntries)
        #expect(parsed.warnings.filter { $0.origin.line == 2 }.map(\.description) == test.warning.map { ["in:2: warning: \($0)"] } ?? [])
    }

    @Test func lineNumbersCountEveryLineAndTheLastNeedsNoNewline() {
        let text = "a:x:1:1::/:/bin/sh\n\n# note\nb:x:2:2::/:/bin/sh\nbroken\nc:x:3:3::/:/bin/sh"
        let parsed = AccountsFile.parse(Array(text.utf8), path: "/etc/passwd", kind: .user)
        #expect(parsed.entries.map { "\(String(decoding: $0.name, as: UTF8.self))@\($0.origin)" } == [
            "a@/etc/passwd:1", "b@/etc/passwd:4", "c@/etc/passwd:6",
        ])
        #expect(parsed.warnings.map(\.description) == [
            "/etc/passwd:5: warning: expected at least 4 colon-separated fields (name:password:UID:GID), found 1; line skipped"
        ])
    }

    @Test func emptyFileHasNoAccountsAndNoWarnings() {
        #expect(AccountsFile.parse([], path: "p", kind: .user) == ParsedAccounts())
        #expect(AccountsFile.parse(Array("\n\n".utf8), path: "p", kind: .group) == ParsedAccounts())
    }

    @Test func namesAreKeptAsBytes() {
        let bytes: [UInt8] = Array("j".utf8) + [0xF6] + Array("rg:x:7:7:::".utf8)
        let parsed = AccountsFile.parse(bytes, path: "p", kind: .user)
        #expect(parsed.entries == [AccountEntry(name: Array("j".utf8) + [0xF6] + Array("rg".utf8), id: 7, origin: AccountOrigin(source: "p", line: 1))])
    }
}
