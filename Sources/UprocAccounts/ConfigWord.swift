import UprocRules

/// Whether a namespace name can be written in `uproc.conf` as a bare word
/// that reads back as the same name.
///
/// `NamespaceName` already rules out spaces and control bytes. On top of
/// that the language gives meaning to a few bytes (`#` starts a comment,
/// quotes start a quoted value, `\` escapes inside quotes) and to the key
/// words; a name holding any of those is refused rather than guessed at,
/// since the generated file must compile to exactly these names.
public enum ConfigWord {
    public enum Problem: Hashable, Sendable, CustomStringConvertible {
        case specialByte(UInt8)
        case keyword(String)

        public var description: String {
            switch self {
            case .specialByte(let byte):
                let what: String
                switch byte {
                case UInt8(ascii: "#"): what = "'#' starts a comment"
                case UInt8(ascii: "\\"): what = "'\\' is an escape character"
                case UInt8(ascii: "'"): what = "\"'\" starts a quoted value"
                default: what = "'\"' starts a quoted value"
                }
                return what
            case .keyword(let word):
                return "'\(word)' is a rule key"
            }
        }
    }

    /// Bytes the rules language reads specially inside a line.
    static let specialBytes: [UInt8] = [UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\")]

    /// The first reason `name` cannot be written as a bare word, or nil.
    public static func problem<C: Collection>(with name: C) -> Problem? where C.Element == UInt8 {
        if let byte = name.first(where: { specialBytes.contains($0) }) { return .specialByte(byte) }
        for key in RuleKey.allCases where name.elementsEqual(key.rawValue.utf8) {
            return .keyword(key.rawValue)
        }
        return nil
    }
}
