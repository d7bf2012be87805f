/// A shell-style glob over `comm` bytes: `*`, `?`, `[abc]`, `[a-z]`,
/// `[!abc]` (or `[^abc]`). Matching compares bytes, never characters.
public struct CommPattern: Hashable, Sendable {
    /// The pattern's source bytes, as written after unquoting.
    public let source: [UInt8]

    public init(_ source: [UInt8]) {
        self.source = source
    }

    public init(_ string: String) {
        self.init(Array(string.utf8))
    }

    /// Whether `bytes` contain a glob metacharacter.
    public static func isPattern<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    public func matches(_ comm: Comm) -> Bool {
        // TODO(issue 2): replace with the compiled matcher.
        let text = comm.bytes
        return Self.match(source[...], text[...])
    }

    private static func match(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        switch first {
        case UInt8(ascii: "*"):
            var rest = text
            while true {
                if match(pattern.dropFirst(), rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !text.isEmpty && match(pattern.dropFirst(), text.dropFirst())
        default:
            return text.first == first && match(pattern.dropFirst(), text.dropFirst())
        }
    }
}
