/// Formats diagnostics as compilers do:
/// `file:line:col: error: message`, the source line, a caret under the column.
public enum DiagnosticRenderer {
    /// Three lines, each ending in `\n`. The source line shows control
    /// bytes and invalid UTF-8 as U+FFFD; the caret line copies the line's
    /// tabs so the caret stays under its column in a terminal.
    public static func render(_ diagnostic: Diagnostic, in source: SourceFile) -> String {
        render(diagnostic, line: source.lineBytes(diagnostic.location.line))
    }

    /// Renders every diagnostic of `diagnostics`, in order, finding each
    /// line without rescanning the source (a file may hold a million).
    public static func render(_ diagnostics: [Diagnostic], in source: SourceFile) -> String {
        guard diagnostics.count > 1 else { return diagnostics.map { render($0, in: source) }.joined() }
        var lineStarts = [source.bytes.startIndex]
        for (offset, byte) in source.bytes.enumerated() where byte == UInt8(ascii: "\n") {
            lineStarts.append(offset + 1)
        }
        var out = ""
        for diagnostic in diagnostics {
            let number = diagnostic.location.line
            guard number >= 1 && number <= lineStarts.count else {
                out += render(diagnostic, line: [])
                continue
            }
            let start = lineStarts[number - 1]
            var end = number < lineStarts.count ? lineStarts[number] - 1 : source.bytes.endIndex
            if end > start && source.bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            out += render(diagnostic, line: source.bytes[start..<end])
        }
        return out
    }

    private static func render(_ diagnostic: Diagnostic, line: ArraySlice<UInt8>) -> String {
        let location = diagnostic.location
        var out = "\(location.path):\(location.line):\(location.column): \(diagnostic.severity.rawValue): \(diagnostic.message)\n"
        let prefixLength = min(max(location.column - 1, 0), line.count)
        let prefix = line.prefix(prefixLength)
        out += displayable(line) + "\n"
        var caret = ""
        for scalar in String(decoding: prefix, as: UTF8.self).unicodeScalars {
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        // A column past the end of the line (a missing name) is shown past it.
        caret += String(repeating: " ", count: max(location.column - 1 - line.count, 0))
        out += caret + "^\n"
        return out
    }

    private static func displayable(_ bytes: ArraySlice<UInt8>) -> String {
        var out = ""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            let control = scalar.value < 0x20 && scalar != "\t" || scalar.value == 0x7F
            out.unicodeScalars.append(control ? "\u{FFFD}" : scalar)
        }
        return out
    }
}
