/// `--timeout SECONDS`: a decimal number (`5`, `0.5`, `.25`, `10.`), as
/// uproc-kill(1) documents it: no sign, exponent, hexadecimal, `inf` or `nan`
/// (which a floating-point parser would take), from 0 to `maximumSeconds`.
package enum KillTimeout {
    /// About 31 years: far beyond any wait, well inside nanoseconds in 64 bits.
    package static let maximumSeconds: UInt64 = 999_999_999

    /// The timeout in nanoseconds (a fraction finer than 1 ns rounds up);
    /// nil when `text` is not such a number or is out of range.
    package static func nanoseconds(_ text: String) -> UInt64? {
        let bytes = Array(text.utf8)
        let dot = bytes.firstIndex(of: UInt8(ascii: "."))
        let whole = bytes[..<(dot ?? bytes.endIndex)]
        let fraction = dot.map { bytes[($0 + 1)...] } ?? []
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard !(whole.isEmpty && fraction.isEmpty), whole.allSatisfy(isDigit), fraction.allSatisfy(isDigit) else { return nil }
        // Leading zeros cannot overflow this: the value is compared, not the length.
        var seconds: UInt64 = 0
        for digit in whole {
            seconds = seconds * 10 + UInt64(digit - UInt8(ascii: "0"))
            if seconds > maximumSeconds { return nil }
        }
        var nanoseconds: UInt64 = 0
        for (index, digit) in fraction.enumerated() where index < 9 {
            nanoseconds += UInt64(digit - UInt8(ascii: "0")) * power(of: 10, 8 - index)
        }
        if fraction.dropFirst(9).contains(where: { $0 != UInt8(ascii: "0") }) { nanoseconds += 1 }
        return seconds * 1_000_000_000 + nanoseconds
    }

    private static func power(of base: UInt64, _ exponent: Int) -> UInt64 {
        (0..<exponent).reduce(1) { product, _ in product * base }
    }
}
