import Foundation
import Glibc
import Testing
import UprocAccounts
import UprocTestSupport

/// The parser against the C library of this machine: `fgetpwent` and
/// `fgetgrent` use the same line parser as the files backend of
/// `getpwent`. Every account glibc reads from a file, AccountsFile reads
/// too (with the same ID), and no other, except the lines glibc returns
/// that are not accounts (NIS `+`/`-` lines and empty names), which are
/// skipped with a warning.
@Suite struct GlibcAgreementTests {
    static let tricky = [
        "dave:x:1004:1004::/home/dave:/bin/sh\r", "short:x:1000:1000", "bad:x:1000:1000\r", "  spaced:x:1012:1012::/:/bin/sh",
        "\t\u{0B}\u{0C}\rvt:x:3:3::/:", "sp:x: 5:+6::/:/bin/sh", "neg:x:-1:0::/:/bin/sh", "big:x:4294967296:0::/:/bin/sh",
        "max:x:4294967295:0::/:/bin/sh", "wrap:x:-18446744073709551615:0::/:/bin/sh", "minus0:x:-0:0::/:/bin/sh",
        "three:x:1013", "carol:x:10x3:1003::/:/bin/sh", "eight:x:1:1:a:b:c:d", "cut:x:7:7\u{0}:::", "trail:x:8 :8::/:",
        "gid:x:9:-1::/:", "wheel:x:10", "dos:x:1005:alice,bob\r", "dos2:x:1006\r", "staff:x:fifty:", "g:x:11:a:b",
        "+@netgroup::::::", "-eve:::", ":x:12:12::/:", "# comment:x:13:13::/:", "",
    ]

    /// "name id" of every entry `fgetpwent_r`/`fgetgrent_r` returns from `text`.
    static func glibcEntries(_ text: [UInt8], kind: AccountKind) throws -> [String] {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/accounts"
        try Data(text).write(to: URL(fileURLWithPath: path))
        guard let file = fopen(path, "re") else { throw HarnessError("fopen \(path)") }
        defer { fclose(file) }
        var entries: [String] = []
        var buffer = [CChar](repeating: 0, count: 1 << 16)
        if kind == .user {
            var entry = passwd()
            var result: UnsafeMutablePointer<passwd>?
            while fgetpwent_r(file, &entry, &buffer, buffer.count, &result) == 0, result != nil {
                entries.append("\(String(cString: entry.pw_name)) \(entry.pw_uid)")
            }
        } else {
            var entry = group()
            var result: UnsafeMutablePointer<group>?
            while fgetgrent_r(file, &entry, &buffer, buffer.count, &result) == 0, result != nil {
                entries.append("\(String(cString: entry.gr_name)) \(entry.gr_gid)")
            }
        }
        withExtendedLifetime(directory) {}
        // Not accounts: uproc-genconf skips them with a warning.
        return entries.filter { !$0.hasPrefix(" ") && !$0.hasPrefix("+") && !$0.hasPrefix("-") }
    }

    static func parsedEntries(_ text: [UInt8], kind: AccountKind) -> [String] {
        AccountsFile.parse(text, path: "p", kind: kind).entries.map { "\(String(decoding: $0.name, as: UTF8.self)) \($0.id)" }
    }

    @Test(arguments: [AccountKind.user, .group])
    func trickyLines(_ kind: AccountKind) throws {
        let text = Array(Self.tricky.joined(separator: "\n").utf8) + [UInt8(ascii: "\n")]
        let glibc = try Self.glibcEntries(text, kind: kind)
        #expect(glibc.contains(kind == .user ? "dave 1004" : "dos 1005"), "the DOS line is an account for glibc")
        #expect(Self.parsedEntries(text, kind: kind) == glibc)
    }

    /// Random lines of the bytes that matter to the parsers.
    @Test(arguments: [11, 12, 13] as [UInt64])
    func randomLines(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let alphabet = Array("ab:::0123456789#+- \t\r\u{0B}".utf8)
        var text: [UInt8] = []
        for _ in 0..<3000 {
            for _ in 0..<Int.random(in: 0..<14, using: &random) { text.append(alphabet.randomElement(using: &random)!) }
            text.append(UInt8(ascii: "\n"))
        }
        for kind in [AccountKind.user, .group] {
            let glibc = try Self.glibcEntries(text, kind: kind)
            #expect(Self.parsedEntries(text, kind: kind) == glibc)
        }
    }
}
