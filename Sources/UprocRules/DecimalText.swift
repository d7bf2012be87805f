/// The one decimal parser and formatter for PIDs and IDs in files uproc
/// reads and writes (`/proc`, namespace files, lock files). Allocation-free;
/// inlinable, so callers in other modules get it specialized.
package enum DecimalText {
    /// Appends `value` in decimal (no sign, no padding).
    @inlinable
    package static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        appendDigits(UInt64(value), to: &bytes)
    }

    /// Appends `value` in decimal, with a leading `-` when negative.
    @inlinable
    package static func append(_ value: Int32, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(UInt64(value.magnitude), to: &bytes)
    }

    /// Writes `value` in decimal at `destination` (room for 10 bytes) and
    /// returns how many bytes it wrote; for fixed buffers such as paths.
    @inlinable
    package static func write(_ value: UInt32, to destination: UnsafeMutablePointer<UInt8>) -> Int {
        let length = digitCount(UInt64(value))
        var remaining = value
        var index = length
        repeat {
            index -= 1
            destination[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        } while index > 0
        return length
    }

    /// The value of `bytes` if it is one or more ASCII digits and fits in a
    /// `UInt64`; nil for anything else (empty, sign, space, overflow).
    @inlinable
    package static func parse<C: Collection>(_ bytes: C) -> UInt64? where C.Element == UInt8 {
        var value: UInt64 = 0
        var digits = false
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (tens, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = tens.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            digits = true
        }
        return digits ? value : nil
    }

    // MARK: - internals

    @usableFromInline
    static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    @usableFromInline
    static func appendDigits(_ value: UInt64, to bytes: inout [UInt8]) {
        let start = bytes.count
        var remaining = value
        repeat {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10))
            remaining /= 10
        } while remaining > 0
        bytes[start...].reverse()
    }
}
