/// One word of a rule line, as offsets into the source bytes.
struct Token {
    /// Offset of the word's first byte (the opening quote of a quoted one).
    var start: Int
    /// Offset after the word (after the closing quote).
    var end: Int
    /// The content: the word, or what lies between the quotes.
    var contentStart: Int
    var contentEnd: Int
    var quoted: Bool
    /// A quoted word holding `\"` or `\\`: its content needs unescaping.
    var hasEscapes: Bool
    /// The lexer already reported a problem inside it: check nothing more.
    var bad: Bool
}

/// Splits one line (without its line end) into words, reporting byte-level
/// problems (NUL, control bytes, quotes, escapes) as it goes.
struct LineLexer {
    /// Appends the words of `bytes[start..<end]` to `tokens`; returns false
    /// when the line cannot be parsed further (an unterminated quote).
    static func lex(
        _ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int,
        into tokens: inout [Token], report: (DiagnosticKind, Int) -> Void
    ) -> Bool {
        // One diagnostic per run of bad bytes: a line of N control bytes
        // gives one, not N (each would reprint the line).
        var lastBadByte = Int.min
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                index += 1
                continue
            }
            // A comment starts a word; inside a word `#` is an ordinary byte.
            if byte == UInt8(ascii: "#") { return true }
            if byte == UInt8(ascii: "\"") {
                var token = Token(
                    start: index, end: index, contentStart: index + 1, contentEnd: index + 1,
                    quoted: true, hasEscapes: false, bad: false)
                var cursor = index + 1
                var closed = false
                while cursor < end {
                    let inner = bytes[cursor]
                    if inner == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    if inner == UInt8(ascii: "\\") {
                        let next = cursor + 1 < end ? bytes[cursor + 1] : 0
                        if next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") {
                            token.hasEscapes = true
                            cursor += 2
                            continue
                        }
                        if cursor + 1 < end {
                            report(.invalidEscape(next), cursor)
                            token.bad = true
                            cursor += 2
                            continue
                        }
                    } else if !checkByte(inner, at: cursor, allowTab: true, lastBad: &lastBadByte, report: report) {
                        token.bad = true
                    }
                    cursor += 1
                }
                guard closed else {
                    report(.unterminatedQuote, index)
                    return false
                }
                token.contentEnd = cursor
                token.end = cursor + 1
                index = cursor + 1
                if index < end && bytes[index] != UInt8(ascii: " ") && bytes[index] != UInt8(ascii: "\t") {
                    report(.textAfterQuote, index)
                    token.bad = true
                    while index < end && bytes[index] != UInt8(ascii: " ") && bytes[index] != UInt8(ascii: "\t") {
                        index += 1
                    }
                }
                tokens.append(token)
                continue
            }
            var token = Token(
                start: index, end: index, contentStart: index, contentEnd: index,
                quoted: false, hasEscapes: false, bad: false)
            while index < end {
                let inner = bytes[index]
                if inner == UInt8(ascii: " ") || inner == UInt8(ascii: "\t") { break }
                if !checkByte(inner, at: index, allowTab: false, lastBad: &lastBadByte, report: report) { token.bad = true }
                index += 1
            }
            token.end = index
            token.contentEnd = index
            tokens.append(token)
        }
        return true
    }

    /// Reports NUL and control bytes (the first of a run); true when `byte` may stand in a word.
    @inline(__always)
    private static func checkByte(
        _ byte: UInt8, at offset: Int, allowTab: Bool, lastBad: inout Int, report: (DiagnosticKind, Int) -> Void
    ) -> Bool {
        if byte >= 0x20 && byte != 0x7F { return true }
        if byte == UInt8(ascii: "\t") && allowTab { return true }
        if offset != lastBad &+ 1 { report(byte == 0 ? .nulByte : .invalidByte(byte), offset) }
        lastBad = offset
        return false
    }
}
