import Testing
@testable import UprocRules

/// The one `\xNN` escaper: diagnostics, comm in logs and `--explain`, and
/// uproc-genconf's warnings all show odd bytes the same way.
@Suite struct ByteTextTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("jörg", "jörg"),
        ("tab\tname", "tab\\x09name"),
        ("new\nline", "new\\x0aline"),
        ("esc\u{1B}[2J", "esc\\x1b[2J"),
        ("del\u{7F}", "del\\x7f"),
        ("back\\slash", "back\\x5cslash"),
    ])
    func escapesControlBytesAndBackslash(_ text: String, _ shown: String) {
        #expect(ByteText.escaped(Array(text.utf8)) == shown)
    }

    @Test func invalidUTF8IsShownByteByByteAndValidScalarsStay() {
        #expect(ByteText.escaped([0x6A, 0xF6, 0x72, 0x67]) == "j\\xf6rg")
        #expect(ByteText.escaped(Array("ö".utf8) + [0xFF]) == "ö\\xff")
        #expect(ByteText.escaped([0xC3]) == "\\xc3")
    }

    @Test func configTextKeepsItsQuotingBackslashes() {
        #expect(ByteText.display(Array("\"say \\\"hi\\\"\"".utf8)) == "\"say \\\"hi\\\"\"")
        #expect(ByteText.display(Array("a\\".utf8) + [0x01]) == "a\\\\x01")
    }

    @Test func commIsShownByTheSameEscaper() {
        #expect(Comm("kworker/0:1").description == "kworker/0:1")
        #expect(Comm(Array("a\tb\\c".utf8)).description == "a\\x09b\\x5cc")
        #expect(Comm(Array("jörg".utf8)).description == "jörg")
        // Cut inside a UTF-8 sequence by the kernel's 15 bytes.
        #expect(Comm(Array("abcdefghijklmnö".utf8)).description == "abcdefghijklmn\\xc3")
    }
}
