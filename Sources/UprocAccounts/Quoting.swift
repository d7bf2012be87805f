import UprocRules

/// Quotes untrusted bytes (account names, paths) for messages, escaped by
/// `ByteText.escaped`: a name with a newline or an escape sequence must not
/// be able to forge a line of output or move the terminal's cursor.
enum Quoting {
    /// `'name'`, escaped: for account and namespace names in warnings.
    static func quoted<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        "'" + ByteText.escaped(bytes) + "'"
    }

    static func quoted(_ text: String) -> String { quoted(Array(text.utf8)) }
}
