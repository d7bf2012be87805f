/// Shows bytes from a config in messages: printable ASCII and valid UTF-8
/// as is, anything else as `\xNN`, so odd input stays unambiguous.
enum ByteText {
    static func display<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if let text = String(validating: bytes, as: UTF8.self),
            !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            return text
        }
        var out = ""
        for byte in bytes {
            if byte >= 0x20 && byte < 0x7F {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += hex(byte)
            }
        }
        return out
    }

    /// `\x01`.
    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return "\\x" + (digits.count == 1 ? "0" + digits : digits)
    }

    /// `0x01`, as byte values are named in messages.
    static func byteValue(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return "0x" + (digits.count == 1 ? "0" + digits : digits)
    }
}
