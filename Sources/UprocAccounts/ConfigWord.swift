import UprocRules

/// Whether a namespace name can be written in `uproc.conf` as a bare word
/// that reads back as the same name.
///
/// `NamespaceName` already rules out spaces and control bytes, which end
/// or break a word. What is left is the start of a word: there `#` begins
/// a comment and `"` a quoted word (inside a word both are ordinary bytes,
/// and key words like `uid` are fine in the name's position). Such a name
/// is refused rather than quoted: the generated file stays one plain word
/// per name, and only an empty or odd prefix can expose a name's first
/// byte at all.
package enum ConfigWord {
    package enum Problem: Hashable, Sendable, CustomStringConvertible {
        case startsComment
        case startsQuote
        case placeholder

        package var description: String {
            switch self {
            case .startsComment: return "'#' at the start of a word begins a comment"
            case .startsQuote: return "'\"' at the start of a word begins a quoted word"
            case .placeholder: return "'{' with a word, or '{{', is read as a placeholder"
            }
        }
    }

    /// Why `name` cannot be written as a bare word, or nil.
    package static func problem<C: Collection>(with name: C) -> Problem? where C.Element == UInt8 {
        switch name.first {
        case UInt8(ascii: "#"): return .startsComment
        case UInt8(ascii: "\""): return .startsQuote
        default: return name.contains(UInt8(ascii: "{")) && !NameTemplate.readsBackAsItself(Array(name)) ? .placeholder : nil
        }
    }
}
