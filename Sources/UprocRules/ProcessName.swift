/// A process's name as `/proc` shows it (in `stat`, `status` and `comm`):
/// the name `pgrep -x` matches and `cmd` rules test. For every process that
/// is its `Comm`, at most 15 bytes; a kernel thread may show a longer one,
/// up to 63 bytes (on Linux 6.18 a workqueue worker's `kworker/0:1-events`,
/// a kthread's full name such as `pool_workqueue_release`). Bytes, not
/// necessarily UTF-8.
///
/// Stored inline without references, since identities are copied on every
/// event: the first 15 bytes and the length in two words laid out as a
/// `Comm`'s (a name of at most 15 bytes is its `Comm` bit for bit, and
/// only those two words are compared), the rest in six more words, zero
/// past the length.
@usableFromInline package struct ProcessName: Sendable {
    /// `/proc` formats a task's name in 64 bytes.
    @usableFromInline package static let maxLength = 63

    @usableFromInline package typealias Tail = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    // As `Comm`: bytes 0...7 in `low`, bytes 8...14 in the low 7 bytes of
    // `high`, the length in the top byte of `high`; bytes 15...62 in `tail`.
    @usableFromInline package var low: UInt64
    @usableFromInline package var high: UInt64
    @usableFromInline package var tail: Tail

    /// The empty name.
    @inlinable
    package init() {
        low = 0
        high = 0
        tail = (0, 0, 0, 0, 0, 0)
    }

    /// The name a process with `comm` shows.
    @inlinable
    package init(_ comm: Comm) {
        low = comm.low
        high = comm.high
        tail = (0, 0, 0, 0, 0, 0)
    }

    /// A name from its words (for compact storage).
    @inlinable
    package init(low: UInt64, high: UInt64, tail: Tail) {
        self.low = low
        self.high = high
        self.tail = tail
    }

    /// Takes the bytes up to the first NUL, at most 63 (as `/proc` cuts a
    /// name).
    @inlinable
    package init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        self.init()
        var count = 0
        for byte in bytes {
            if byte == 0 || count == ProcessName.maxLength { break }
            if count < 8 {
                low |= UInt64(byte) &<< UInt64(count &* 8)
            } else if count < Comm.maxLength {
                high |= UInt64(byte) &<< UInt64((count &- 8) &* 8)
            } else {
                withUnsafeMutableBytes(of: &tail) { $0[count &- Comm.maxLength] = byte }
            }
            count &+= 1
        }
        high |= UInt64(count) &<< 56
    }

    package init(_ string: String) {
        self.init(string.utf8)
    }

    /// Number of bytes, 0...63.
    @inlinable
    package var count: Int { Int(truncatingIfNeeded: high &>> 56) }

    @inlinable
    package var isEmpty: Bool { count == 0 }

    /// Longer than any process's `comm`: a kernel thread's name.
    @inlinable
    package var isLong: Bool { count > Comm.maxLength }

    /// The `Comm` it is, or nil for a name longer than 15 bytes (which no
    /// `Comm` holds).
    @inlinable
    package var comm: Comm? { isLong ? nil : Comm(low: low, high: high) }

    /// The byte at `index` (0 ..< count).
    @inlinable
    package subscript(index: Int) -> UInt8 {
        precondition(index >= 0 && index < count, "ProcessName index out of range")
        if index < 8 { return UInt8(truncatingIfNeeded: low &>> UInt64(index &* 8)) }
        if index < Comm.maxLength { return UInt8(truncatingIfNeeded: high &>> UInt64((index &- 8) &* 8)) }
        return withUnsafeBytes(of: tail) { $0[index &- Comm.maxLength] }
    }

    /// The bytes, as an array (allocates: not for hot paths).
    package var bytes: [UInt8] { (0..<count).map { self[$0] } }
}

extension ProcessName: Hashable {
    @inlinable
    package static func == (lhs: ProcessName, rhs: ProcessName) -> Bool {
        guard lhs.high == rhs.high && lhs.low == rhs.low else { return false }
        // Equal lengths: the tails hold bytes only when long.
        return !lhs.isLong || (lhs.tail.0 == rhs.tail.0 && lhs.tail.1 == rhs.tail.1 && lhs.tail.2 == rhs.tail.2
            && lhs.tail.3 == rhs.tail.3 && lhs.tail.4 == rhs.tail.4 && lhs.tail.5 == rhs.tail.5)
    }

    /// Whether this is the name of a process whose comm is `comm`.
    @inlinable
    package func `is`(_ comm: Comm) -> Bool {
        high == comm.high && low == comm.low
    }

    @usableFromInline package func hash(into hasher: inout Hasher) {
        hasher.combine(low)
        hasher.combine(high)
        if isLong {
            withUnsafeBytes(of: tail) { hasher.combine(bytes: $0) }
        }
    }
}

extension ProcessName: CustomStringConvertible {
    /// Escaped by `ByteText.escaped`, as `Comm`.
    @usableFromInline package var description: String { ByteText.escaped(bytes) }
}

extension ProcessName: ExpressibleByStringLiteral {
    @usableFromInline package init(stringLiteral value: String) {
        self.init(value)
    }
}
