/// Renders untrusted bytes (account names, paths) for messages and
/// comments: a name with a newline or an escape sequence must not be able
/// to forge a line of output or move the terminal's cursor.
enum Quoting {
    /// Valid UTF-8 without control bytes as is; control bytes, `\`, and the
    /// bytes of invalid UTF-8 as `\xNN`.
    static func escaped<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if let text = String(validating: bytes, as: UTF8.self),
            !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") })
        {
            return text
        }
        var out = ""
        var rest = Array(bytes)[...]
        while let first = rest.first {
            let length = validScalarLength(rest)
            if length > 0, first >= 0x20, first != 0x7F, first != UInt8(ascii: "\\") {
                out += String(decoding: rest.prefix(length), as: UTF8.self)
                rest = rest.dropFirst(length)
            } else {
                out += hex(first)
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// `'name'`, escaped: for account and namespace names in warnings.
    static func quoted<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        "'" + escaped(bytes) + "'"
    }

    static func quoted(_ text: String) -> String { quoted(Array(text.utf8)) }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return "\\x" + String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
    }

    /// Length of the UTF-8 scalar at the start of `bytes`, or 0 when the
    /// bytes there are not one.
    private static func validScalarLength(_ bytes: ArraySlice<UInt8>) -> Int {
        guard let first = bytes.first else { return 0 }
        let length: Int
        switch first {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard bytes.count >= length else { return 0 }
        return String(validating: bytes.prefix(length), as: UTF8.self) == nil ? 0 : length
    }
}
