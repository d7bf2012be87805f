import Testing
@testable import UprocRules
import UprocTestSupport

@Suite struct FuzzTests {
    static let fragments: [[UInt8]] = [
        "uid", "gid", "ruid", "rgid", "cmd", "usr", "0", "1000", "4294967294", "4294967295", "99999999999",
        "-1", "alice", "backup", "carol", "\"", "\"Web Content\"", "\"a\\\"b\"", "\"\\q\"", "\"x\"y", "#", "# c",
        "python3*", "[a-", "[!x]", "[z-a]", "ns", "ns", "a/b", ".hidden", "name", "abcdefghijklmnopqrst", "\"\"",
        " ", " ", " ", "\t", "\r", "\n", "\r\n", "é",
    ].map { Array($0.utf8) } + [[0], [1], [0xFF], [0x7F], [0xC3]]

    static let valid = Array("""
        # starter
        uid 0 root
        uid alice cmd sshd alice.ssh
        gid backup backup
        ruid 0 rgid 0 real.root
        cmd "Web Content" tabs
        cmd "python3*" py\r
        \tcmd [a-c]x? glob
        """.utf8)

    @Test(arguments: 0..<8)
    func randomConfigsNeverCrashAndPointInside(_ seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<400 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<60, using: &random) {
                bytes += Self.fragments.randomElement(using: &random)!
                if Bool.random(using: &random) { bytes.append(UInt8(ascii: " ")) }
            }
            check(bytes, seed: seed)
        }
    }

    @Test(arguments: 0..<8)
    func mutatedConfigsNeverCrashAndPointInside(_ seed: UInt64) {
        var random = SplitMix64(seed: seed &+ 1000)
        for _ in 0..<400 {
            var bytes = Self.valid
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(contentsOf: Self.fragments.randomElement(using: &random)!, at: at)
                default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
                }
                if bytes.isEmpty { bytes = Self.valid }
            }
            check(bytes, seed: seed)
        }
    }

    @Test(arguments: 0..<4)
    func randomBytesNeverCrashAndPointInside(_ seed: UInt64) {
        var random = SplitMix64(seed: seed &+ 2000)
        for _ in 0..<500 {
            let count = Int.random(in: 0..<200, using: &random)
            let bytes = (0..<count).map { _ in
                // Mostly printable, with line ends, tabs, quotes and anything.
                switch Int.random(in: 0..<10, using: &random) {
                case 0: return UInt8(ascii: "\n")
                case 1: return UInt8(ascii: " ")
                case 2: return UInt8.random(in: 0...255, using: &random)
                case 3: return [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "#"), UInt8(ascii: "\t"),
                                UInt8(ascii: "\r"), UInt8(ascii: "["), UInt8(ascii: "*")].randomElement(using: &random)!
                default: return UInt8.random(in: 0x21...0x7E, using: &random)
                }
            }
            check(bytes, seed: seed)
        }
    }

    private func check(_ bytes: [UInt8], seed: UInt64) {
        let source = SourceFile(path: "fuzz", bytes: bytes)
        let compilation = Fixture.compiler.compile(source)
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for diagnostic in compilation.diagnostics {
            let line = diagnostic.location.line
            let valid = line >= 1 && line <= max(lines.count, 1)
            #expect(valid, "seed \(seed): line \(line) of \(lines.count) in \(bytes)")
            guard valid else { continue }
            let length = source.lineBytes(line).count
            #expect(diagnostic.location.column >= 1 && diagnostic.location.column <= length + 1,
                    "seed \(seed): \(diagnostic.message) at column \(diagnostic.location.column) of \(length) in \(bytes)")
            #expect(diagnostic.message == diagnostic.kind.message)
            let rendered = DiagnosticRenderer.render(diagnostic, in: source)
            #expect(rendered.hasPrefix("fuzz:\(line):\(diagnostic.location.column): "))
            #expect(rendered.hasSuffix("^\n"))
        }
        #expect(compilation.diagnostics.map(\.location) == compilation.diagnostics.map(\.location).sorted())
        // Rendering all at once (one line index) equals rendering each.
        #expect(DiagnosticRenderer.render(compilation.diagnostics, in: source, limit: .max)
            == compilation.diagnostics.map { DiagnosticRenderer.render($0, in: source) }.joined())
        #expect((compilation.table == nil) == (compilation.errorCount > 0))
        if let table = compilation.table {
            for (index, name) in table.namespaceNames.enumerated() {
                #expect(table.id(of: name) == NamespaceID(index))
            }
            // The hashed lookup agrees with the rules on a few identities.
            let rules = table.rules
            for identity in [
                ProcessIdentity(uid: 0, gid: 0, comm: "sshd"), ProcessIdentity(uid: 1000, gid: 34, comm: "python3"),
                ProcessIdentity(uid: 1000, gid: 1000, comm: "Web Content"), ProcessIdentity(uid: 5, gid: 5, comm: "bxz"),
            ] {
                let expected = rules.indices.filter {
                    rules[$0].conditions.allSatisfy { $0.holds(for: identity) }
                }.map(NamespaceID.init)
                #expect(table.matches(identity) == expected)
                #expect(expected == rules.indices.filter { table.rule(NamespaceID($0), holdsFor: identity) }.map(NamespaceID.init))
            }
        }
    }
}
