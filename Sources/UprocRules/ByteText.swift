/// Shows untrusted bytes (config text, comm, account names, paths) in
/// messages: valid UTF-8 without control bytes as is; control bytes and the
/// bytes of invalid UTF-8 as `\xNN`, so odd input stays unambiguous and can
/// neither forge a line of output nor move a terminal's cursor.
package enum ByteText {
    /// With `escapingBackslash`, `\` is shown as `\x5c` too, so that a shown
    /// `\xNN` always stands for one byte; without it (text shown as written
    /// in uproc.conf, where `\` is the quoting escape) it stays as is.
    package static func escaped<C: Collection>(_ bytes: C, escapingBackslash: Bool = true) -> String
    where C.Element == UInt8 {
        let backslash = UInt8(ascii: "\\")
        func plain(_ byte: UInt8) -> Bool {
            byte >= 0x20 && byte != 0x7F && !(escapingBackslash && byte == backslash)
        }
        if let text = String(validating: bytes, as: UTF8.self), bytes.allSatisfy(plain) {
            return text
        }
        var out = ""
        var rest = Array(bytes)[...]
        while let first = rest.first {
            let length = validScalarLength(rest)
            if length > 0, plain(first) {
                out += String(decoding: rest.prefix(length), as: UTF8.self)
                rest = rest.dropFirst(length)
            } else {
                out += hex(first)
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// Config text as written (quotes and `\` escapes kept), escaped.
    static func display<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        escaped(bytes, escapingBackslash: false)
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
