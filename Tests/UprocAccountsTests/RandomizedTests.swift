import Testing
import UprocAccounts
import UprocTestSupport

@Suite struct RandomizedTests {
    /// Well-formed lines of random names and IDs parse back to exactly
    /// those entries, with no warning.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func wellFormedLinesRoundTrip(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // Any byte but ':', '\n' and NUL; no leading '#', '+', '-' or
        // white space (those lines mean something else).
        let inner = (UInt8(1)...UInt8(255)).filter { $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "\n") }
        let first = inner.filter { !"#+- \t\r\u{0B}\u{0C}".utf8.contains($0) }
        var text: [UInt8] = []
        var expected: [AccountEntry] = []
        for line in 1...500 {
            var name = [first.randomElement(using: &random)!]
            for _ in 0..<Int.random(in: 0..<12, using: &random) { name.append(inner.randomElement(using: &random)!) }
            let id = UInt32.random(in: 0...UInt32.max, using: &random)
            text += name + Array(":x:\(id):\(id % 7):gecos:/home:/bin/sh\n".utf8)
            expected.append(AccountEntry(name: name, id: id, origin: AccountOrigin(source: "r", line: line)))
        }
        let parsed = AccountsFile.parse(text, path: "r", kind: .user)
        #expect(parsed.warnings == [])
        #expect(parsed.entries == expected)
    }

    /// Random bytes: every line gives at most one entry or one warning, in
    /// line order, and whatever is kept still generates a config that
    /// compiles.
    @Test(arguments: [4, 5, 6] as [UInt64])
    func garbageIsSkippedLineByLine(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let alphabet: [UInt8] = Array("ab:0123456789#+-\r\n \t\"./".utf8) + [0, 0x7F, 0xC3, 0xA9, 0xFF]
        var text: [UInt8] = []
        for _ in 0..<20_000 { text.append(alphabet.randomElement(using: &random)!) }
        for kind in [AccountKind.user, .group] {
            let parsed = AccountsFile.parse(text, path: "g", kind: kind)
            let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
            let used = parsed.entries.compactMap(\.origin.line) + parsed.warnings.compactMap(\.origin.line)
            #expect(Set(used).count == used.count, "a line gave two results")
            #expect(used.allSatisfy { $0 >= 1 && $0 <= lines })
            #expect(parsed.warnings.map { $0.origin.line! } == parsed.warnings.map { $0.origin.line! }.sorted())
            _ = Fixtures.generated(
                users: kind == .user ? parsed : nil, groups: kind == .group ? parsed : nil,
                source: .files(passwd: "g", group: "g"), options: GeneratorOptions(includeUsers: kind == .user, includeGroups: kind == .group))
        }
    }
}
