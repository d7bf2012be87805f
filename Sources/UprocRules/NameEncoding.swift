/// How a value (a command name, an account name, a path) stands in a
/// namespace name, which is a file name: percent-encoding of exactly the
/// bytes a name cannot hold, and of `%` itself so that two different values
/// never give one name.
///
/// A value's byte is kept as it is when it is printable ASCII (0x21 to
/// 0x7E) other than `/` and `%`, and is not a `.` that would start the
/// name; or when it is part of a valid UTF-8 encoded character above
/// U+007F (kept whole). Every other byte becomes `%` and two upper-case
/// hex digits: a space (`%20`), control bytes and DEL (`%00`...`%1F`,
/// `%7F`), `/` (`%2F`), `%` (`%25`), a leading `.` (`%2E`), and each byte
/// of invalid UTF-8 (`%FF`).
package enum NameEncoding {
    /// Appends `value`, encoded, to the name being built in `name` (whose
    /// length says whether a `.` would start it).
    package static func append<C: Collection>(_ value: C, to name: inout [UInt8]) where C.Element == UInt8 {
        var rest = value[...]
        while let byte = rest.first {
            if byte >= 0x80, let length = utf8Length(rest), length > 0 {
                name += rest.prefix(length)
                rest = rest.dropFirst(length)
                continue
            }
            if keeps(byte, atStart: name.isEmpty) {
                name.append(byte)
            } else {
                name.append(UInt8(ascii: "%"))
                name.append(hexDigit(byte >> 4))
                name.append(hexDigit(byte & 0xF))
            }
            rest = rest.dropFirst()
        }
    }

    /// `value` encoded as the start of a name.
    package static func encoded<C: Collection>(_ value: C) -> [UInt8] where C.Element == UInt8 {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    /// The bytes an encoded value stands for (every `%XX` decoded): the
    /// inverse of `encoded`.
    package static func decoded(_ name: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < name.count {
            if name[index] == UInt8(ascii: "%"), index + 2 < name.count,
               let high = hexValue(name[index + 1]), let low = hexValue(name[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(name[index])
                index += 1
            }
        }
        return out
    }

    @inline(__always)
    static func keeps(_ byte: UInt8, atStart: Bool) -> Bool {
        byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "/") && byte != UInt8(ascii: "%")
            && !(atStart && byte == UInt8(ascii: "."))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "A") + value - 10
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The length of the valid UTF-8 character (U+0080 or above) starting
    /// `bytes`, or nil.
    private static func utf8Length<C: Collection>(_ bytes: C) -> Int? where C.Element == UInt8 {
        guard let first = bytes.first else { return nil }
        let length: Int
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return nil
        }
        let prefix = Array(bytes.prefix(length))
        guard prefix.count == length, String(validating: prefix, as: UTF8.self) != nil else { return nil }
        return length
    }
}
