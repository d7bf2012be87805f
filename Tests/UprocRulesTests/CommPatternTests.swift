import Testing
@testable import UprocRules

@Suite struct CommPatternTests {
    @Test(arguments: [
        ("python3*", "python3", true),
        ("python3*", "python3.11", true),
        ("python3*", "python", false),
        ("*", "", true),
        ("*", "anything", true),
        ("?", "", false),
        ("?", "a", true),
        ("?", "ab", false),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false),
        ("*b", "abab", true),
        ("*ab", "aab", true),
        ("[abc]x", "bx", true),
        ("[abc]x", "dx", false),
        ("[a-c]", "b", true),
        ("[!a-c]", "b", false),
        ("[^a-c]", "d", true),
        ("[]]", "]", true),
        ("[!]]", "]", false),
        ("[a-]", "-", true),
        ("[[]x", "[x", true),
        ("[*]", "*", true),
        ("[*]", "a", false),
        ("**a", "ba", true),
        ("kworker/*", "kworker/0:1", true),
        ("Web *", "Web Content", true),
    ])
    func matches(_ pattern: String, _ comm: String, _ expected: Bool) throws {
        let compiled = try CommPattern(validating: Array(pattern.utf8))
        #expect(compiled.matches(Comm(comm)) == expected)
    }

    @Test func comparesBytesNotCharacters() throws {
        // "é" is two bytes: `?` matches one of them, `??` both.
        #expect(try CommPattern(validating: Array("?".utf8)).matches(Comm("é")) == false)
        #expect(try CommPattern(validating: Array("??".utf8)).matches(Comm("é")) == true)
        #expect(try CommPattern(validating: [UInt8(ascii: "["), 0x80, UInt8(ascii: "-"), 0xFF, UInt8(ascii: "]")])
            .matches(Comm([0xFE])) == true)
    }

    @Test func leniantInitTakesAnUnterminatedBracketLiterally() {
        #expect(CommPattern("a[b").matches(Comm("a[b")))
        #expect(throws: CommPattern.Problem.unterminatedBracket) { try CommPattern(validating: Array("a[b".utf8)) }
    }

    /// A name /proc shows has at most 63 bytes; over 15 only a kernel
    /// thread's does.
    @Test(arguments: [
        ("abcdefghijklmnop*", nil as Int?),
        (String(repeating: "k", count: 63) + "*", nil),
        (String(repeating: "k", count: 64) + "*", 64),
        (String(repeating: "*?", count: 63), nil),
        (String(repeating: "*?", count: 64), 64),
    ])
    func knowsWhenAPatternIsTooLong(_ pattern: String, _ tooLongLength: Int?) {
        let compiled = CommPattern(pattern)
        #expect((compiled.neverMatchesReason != nil) == (tooLongLength != nil))
        if let tooLongLength { #expect(compiled.minimumLength == tooLongLength) }
    }

    /// A kernel thread's long name is matched whole, up to its 63rd byte.
    @Test(arguments: [
        ("kworker/*", "kworker/0:1-events", true),
        ("*-events", "kworker/0:1-events", true),
        ("*+events", "kworker/0:1-events", false),
        ("pool_workqueue_release", "pool_workqueue_release", true),
        ("pool_workqueue_", "pool_workqueue_release", false),
        ("*_release", "pool_workqueue_release", true),
        (String(repeating: "x", count: 62) + "?", String(repeating: "x", count: 63), true),
    ])
    func matchesLongNames(_ pattern: String, _ name: String, _ expected: Bool) throws {
        let compiled = try CommPattern(validating: Array(pattern.utf8))
        #expect(compiled.matches(ProcessName(name)) == expected)
    }

    @Test func knowsAnEmptyClassMatchesNothing() {
        #expect(CommPattern("[z-a]").neverMatchesReason == "pattern '[z-a]' has a '[...]' class that no byte matches")
        #expect(CommPattern("[a-z]").neverMatchesReason == nil)
    }
}
