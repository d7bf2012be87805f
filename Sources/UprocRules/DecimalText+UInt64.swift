extension DecimalText {
    /// Appends `value` in decimal (no sign, no padding).
    @inlinable
    package static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        appendDigits(value, to: &bytes)
    }
}
