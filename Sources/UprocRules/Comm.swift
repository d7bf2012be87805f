/// A process's `comm`: at most 15 bytes (the kernel's `TASK_COMM_LEN - 1`),
/// not necessarily UTF-8. Stored inline in two words so that identities,
/// lookups and comparisons never allocate.
@usableFromInline package struct Comm: Hashable, Sendable {
    /// The kernel truncates `comm` to this many bytes.
    @usableFromInline package static let maxLength = 15

    // Bytes 0...7 in `low`, bytes 8...14 in the low 7 bytes of `high`, the
    // length in the top byte of `high` (comm never contains NUL).
    @usableFromInline internal var low: UInt64
    @usableFromInline internal var high: UInt64

    /// The empty comm.
    package init() {
        low = 0
        high = 0
    }

    @usableFromInline
    init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// Takes bytes up to the first NUL, truncated to 15 as the kernel does.
    @inlinable
    package init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var count = 0
        for byte in bytes {
            if byte == 0 || count == Comm.maxLength { break }
            if count < 8 {
                low |= UInt64(byte) &<< UInt64(count &* 8)
            } else {
                high |= UInt64(byte) &<< UInt64((count &- 8) &* 8)
            }
            count &+= 1
        }
        self.low = low
        self.high = high | (UInt64(count) &<< 56)
    }

    package init(_ string: String) {
        self.init(string.utf8)
    }

    /// Number of bytes, 0...15.
    @inlinable
    package var count: Int { Int(truncatingIfNeeded: high &>> 56) }

    @inlinable
    package var isEmpty: Bool { count == 0 }

    /// The byte at `index` (0 ..< count).
    @inlinable
    package subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < count, "Comm index out of range")
        if index < 8 { return UInt8(truncatingIfNeeded: low &>> UInt64(index &* 8)) }
        return UInt8(truncatingIfNeeded: high &>> UInt64((index &- 8) &* 8))
    }

    /// The bytes, as an array (allocates: not for hot paths).
    package var bytes: [UInt8] { (0..<count).map { self[$0] } }
}

extension Comm: CustomStringConvertible {
    /// Escaped by `ByteText.escaped`, so that odd names stay readable and
    /// unambiguous in logs and diagnostics.
    @usableFromInline package var description: String { ByteText.escaped(bytes) }
}

extension Comm: ExpressibleByStringLiteral {
    @usableFromInline package init(stringLiteral value: String) {
        self.init(value)
    }
}
