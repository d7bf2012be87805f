/// Formats diagnostics as compilers do:
/// `file:line:col: error: message`, the source line, a caret under the column.
///
/// Output is bounded whatever the input: a long source line is shown as a
/// window around the column, and a list stops after `defaultLimit`
/// diagnostics with a count of the rest (as compilers do).
package enum DiagnosticRenderer {
    /// How many diagnostics a list prints before "N more" (compilers stop at ~20).
    package static let defaultLimit = 20
    /// Source bytes shown on either side of the column of a clipped line.
    static let windowRadius = 60

    /// Three lines, each ending in `\n`. The source line shows control
    /// bytes and invalid UTF-8 as U+FFFD; the caret line copies the line's
    /// tabs so the caret stays under its column in a terminal.
    package static func render(_ diagnostic: Diagnostic, in source: SourceFile) -> String {
        render(diagnostic, line: source.lineBytes(diagnostic.location.line))
    }

    /// Renders the first `limit` diagnostics of `diagnostics`, in order,
    /// finding each line without rescanning the source (a file may hold a
    /// million), then one line saying how many more there were.
    package static func render(_ diagnostics: [Diagnostic], in source: SourceFile, limit: Int = defaultLimit) -> String {
        var out = ""
        forEachRendered(diagnostics, in: source, limit: limit) { out += $0 }
        return out
    }

    /// Hands each rendered diagnostic to `emit` as soon as it is formatted
    /// (for printing as they come), then the "N more" line if any.
    package static func forEachRendered(
        _ diagnostics: [Diagnostic], in source: SourceFile, limit: Int = defaultLimit, _ emit: (String) -> Void
    ) {
        let shown = diagnostics.prefix(max(limit, 0))
        if shown.count == 1 {
            emit(render(shown[0], in: source))
        } else if shown.count > 1 {
            let lastLine = shown.map(\.location.line).max() ?? 0
            var lineStarts = [source.bytes.startIndex]
            for (offset, byte) in source.bytes.enumerated() where byte == UInt8(ascii: "\n") {
                if lineStarts.count >= lastLine { break }
                lineStarts.append(source.bytes.startIndex + offset + 1)
            }
            for diagnostic in shown {
                let number = diagnostic.location.line
                guard number >= 1 && number <= lineStarts.count else {
                    emit(render(diagnostic, line: []))
                    continue
                }
                let start = lineStarts[number - 1]
                var end: Int
                if number < lineStarts.count {
                    end = lineStarts[number] - 1
                } else {
                    end = source.bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? source.bytes.endIndex
                }
                if end > start && source.bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                emit(render(diagnostic, line: source.bytes[start..<end]))
            }
        }
        let rest = diagnostics.count - shown.count
        if rest > 0, let first = diagnostics.first {
            let errors = diagnostics[shown.count...].count { $0.severity == .error }
            emit("\(first.location.path): note: \(rest) more diagnostic\(rest == 1 ? "" : "s") not shown "
                + "(\(errors) error\(errors == 1 ? "" : "s"))\n")
        }
    }

    /// The first line of each of the first `limit` diagnostics
    /// (`file:line:col: severity: message`, without the source line: no
    /// scan of the source), then one saying how many more there were. For
    /// logs, one record each.
    package static func headlines(_ diagnostics: [Diagnostic], limit: Int = defaultLimit) -> [String] {
        var lines = diagnostics.prefix(max(limit, 0)).map(headline)
        let rest = diagnostics.count - lines.count
        if rest > 0, let first = diagnostics.first {
            lines.append("\(first.location.path): note: \(rest) more diagnostic\(rest == 1 ? "" : "s") not shown")
        }
        return lines
    }

    static func headline(_ diagnostic: Diagnostic) -> String {
        let location = diagnostic.location
        return "\(location.path):\(location.line):\(location.column): \(diagnostic.severity.rawValue): \(diagnostic.message)"
    }

    private static func render(_ diagnostic: Diagnostic, line whole: ArraySlice<UInt8>) -> String {
        let location = diagnostic.location
        var out = headline(diagnostic) + "\n"
        // A long line is shown as a window around the column, `…` marking the cuts.
        let column = max(location.column - 1, 0)
        var line = whole
        var lead = ""
        var trail = ""
        if whole.count > 2 * windowRadius + 20 {
            let from = min(max(column - windowRadius, 0), whole.count)
            let to = min(max(column + windowRadius, from), whole.count)
            line = whole[(whole.startIndex + from)..<(whole.startIndex + to)]
            if from > 0 { lead = "…" }
            if to < whole.count { trail = "…" }
        }
        let columnInLine = column - (line.startIndex - whole.startIndex)
        let prefixLength = min(max(columnInLine, 0), line.count)
        let prefix = line.prefix(prefixLength)
        out += lead + displayable(line) + trail + "\n"
        var caret = lead.isEmpty ? "" : " "
        for scalar in String(decoding: prefix, as: UTF8.self).unicodeScalars {
            caret.unicodeScalars.append(scalar == "\t" ? "\t" : " ")
        }
        // A column past the end of the line (a missing name) is shown past it.
        caret += String(repeating: " ", count: min(max(columnInLine - line.count, 0), windowRadius))
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
