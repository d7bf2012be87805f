import Foundation

/// A man page's roff source, read for what it documents: the tags of
/// `.TP`/`.TQ` entries per section, as plain text.
struct ManPage {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("man")

    let lines: [String]

    init(_ name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The lines of `.SH name`, up to the next `.SH`.
    func section(_ name: String) -> [String] {
        guard let start = lines.firstIndex(where: { Self.plain($0) == ".SH \(name)" || Self.plain($0) == ".SH \"\(name)\"" })
        else { return [] }
        let rest = lines[(start + 1)...]
        return Array(rest.prefix { !$0.hasPrefix(".SH ") })
    }

    /// The tag line of every `.TP` or `.TQ` entry of a section, as plain text.
    func tags(in name: String) -> [String] {
        let body = section(name)
        return body.indices.dropLast().filter { body[$0] == ".TP" || body[$0] == ".TQ" }.map { Self.plain(body[$0 + 1]) }
    }

    /// Roff without escapes and font requests: `\-` is `-`, `\fB` and the
    /// like go, quotes around macro arguments go.
    static func plain(_ roff: String) -> String {
        var text = roff.replacingOccurrences(of: "\\-", with: "-")
        text = text.replacingOccurrences(of: #"\\f[BIRP]"#, with: "", options: .regularExpression)
        text = text.replacingOccurrences(of: #"^\.(B|I|BI|IB|BR|RB|IR|RI)\s+"#, with: "", options: .regularExpression)
        return text.replacingOccurrences(of: "\"", with: "")
    }
}

/// What a tool's `--help` documents.
struct HelpText {
    let text: String

    /// The option names (`--dump`, `-c`) of the OPTIONS section's entries.
    var options: Set<String> { Set(entries.flatMap { $0 }) }

    /// The names of each entry of the OPTIONS section (`["-c", "--config"]`).
    var entries: [Set<String>] {
        var entries: [Set<String>] = []
        var inOptions = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasSuffix(":") && !line.hasPrefix(" ") { inOptions = line == "OPTIONS:"; continue }
            // An entry starts two spaces in; its names end at the first
            // run of two spaces (or the end of the line).
            guard inOptions, line.hasPrefix("  -") else { continue }
            entries.append(Options.names(in: String(line.dropFirst(2)).components(separatedBy: "  ")[0]))
        }
        return entries
    }

    /// The numbers of the `Exit status:` paragraph, one per `;` clause.
    var exitStatuses: Set<Int> {
        guard let paragraph = paragraphs.first(where: { $0.hasPrefix("Exit status:") }) else { return [] }
        return Set(paragraph.dropFirst("Exit status:".count).split(separator: ";").compactMap { clause in
            Int(clause.drop { $0 == " " }.prefix { $0.isNumber })
        })
    }

    /// The signals of the `Signals:` paragraph (the ones the tool handles).
    var signals: Set<String> {
        let paragraph = paragraphs.first { $0.hasPrefix("Signals:") } ?? ""
        return Options.matches(of: #"\bSIG[A-Z0-9]+\b"#, in: paragraph)
    }

    /// Paragraphs with their line breaks and indentation folded to spaces.
    var paragraphs: [String] {
        text.components(separatedBy: "\n\n").map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
    }
}

enum Options {
    /// `--long-option` and `-c` names in `text`.
    static func names(in text: String) -> Set<String> {
        matches(of: #"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])"#, in: text)
    }

    static func matches(of pattern: String, in text: String) -> Set<String> {
        let expression = try! NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..., in: text)
        return Set(expression.matches(in: text, range: range).map { String(text[Range($0.range, in: text)!]) })
    }
}
