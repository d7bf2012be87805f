/// A shell-style glob over `comm` bytes: `*`, `?`, `[abc]`, `[a-z]`,
/// `[!abc]` (or `[^abc]`); a `]` first in a class is literal. Matching
/// compares bytes, never characters, and never allocates.
package struct CommPattern: Hashable, Sendable {
    /// The pattern's source bytes, as written after unquoting.
    package let source: [UInt8]
    private let elements: [Element]

    enum Element: Hashable, Sendable {
        case byte(UInt8)
        case any
        case star
        case set(ByteSet)
    }

    package enum Problem: Error, Hashable, Sendable {
        /// A `[` without its `]`.
        case unterminatedBracket
    }

    /// Compiles `source`; an unterminated `[` is taken literally, as
    /// `fnmatch` does. The compiler uses `init(validating:)` instead.
    package init(_ source: [UInt8]) {
        self.source = source
        self.elements = Self.compile(source, strict: false) ?? []
    }

    package init(_ string: String) {
        self.init(Array(string.utf8))
    }

    /// Compiles `source`, refusing an unterminated `[`.
    package init(validating source: [UInt8]) throws(Problem) {
        guard let elements = Self.compile(source, strict: true) else { throw .unterminatedBracket }
        self.source = source
        self.elements = elements
    }

    package static func == (lhs: CommPattern, rhs: CommPattern) -> Bool { lhs.source == rhs.source }
    package func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// Whether `bytes` contain a glob metacharacter.
    package static func isPattern<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        bytes.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "[") }
    }

    /// The fewest bytes a matching comm has.
    package var minimumLength: Int {
        elements.count { $0 != .star }
    }

    /// The byte every match starts with, when the pattern starts with one.
    package var literalFirstByte: UInt8? {
        if case .byte(let byte) = elements.first { return byte }
        return nil
    }

    /// Why no name /proc shows (1 to 63 bytes other than NUL, or empty) can
    /// match, or nil when some can. Exact: a pattern that needs more than 63
    /// bytes, or has a class no byte belongs to.
    package var neverMatchesReason: String? {
        let display = ByteText.display(source)
        if minimumLength > ProcessName.maxLength {
            return "pattern '\(display)' needs at least \(minimumLength) bytes but /proc shows names of at most \(ProcessName.maxLength)"
        }
        for element in elements {
            if case .set(let set) = element, !set.containsCommByte {
                return "pattern '\(display)' has a '[...]' class that no byte matches"
            }
        }
        return nil
    }

    /// `neverMatchesReason` for an executable's path (at most 4095 bytes).
    package var neverMatchesReasonForPaths: String? {
        let display = ByteText.display(source)
        if minimumLength > 4095 {
            return "pattern '\(display)' needs at least \(minimumLength) bytes but a path has at most 4095"
        }
        for element in elements {
            if case .set(let set) = element, !set.containsCommByte {
                return "pattern '\(display)' has a '[...]' class that no byte matches"
            }
        }
        return nil
    }

    /// Iterative glob match with one backtrack point (the last `*`): linear
    /// enough for 63 bytes, and no recursion or allocation.
    package func matches(_ comm: Comm) -> Bool {
        matches(ProcessName(comm))
    }

    /// `matches` for the name `/proc` shows, a kernel thread's long one too.
    package func matches(_ comm: ProcessName) -> Bool {
        Self.match(elements, count: comm.count) { comm[$0] }
    }

    /// `matches` for any bytes, such as an executable's path (`*` matches
    /// `/` too: a path is bytes, not components).
    package func matches(path: [UInt8]) -> Bool {
        path.withUnsafeBufferPointer { path in Self.match(elements, count: path.count) { path[$0] } }
    }

    /// Whether the pattern matches its bytes only: it has no metacharacter
    /// (or only ones a bracket made literal), so it is one value.
    package var literalBytes: [UInt8]? {
        var bytes: [UInt8] = []
        for element in elements {
            guard case .byte(let byte) = element else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// The pattern as pieces for comparing the names templates make: each
    /// literal byte, and `nil` where any bytes may stand.
    var pieces: [UInt8?] {
        var pieces: [UInt8?] = []
        for element in elements {
            if case .byte(let byte) = element { pieces.append(byte) } else if pieces.last != .some(nil) { pieces.append(nil) }
        }
        return pieces
    }

    @inline(__always)
    private static func match(_ elements: [Element], count: Int, _ byte: (Int) -> UInt8) -> Bool {
        elements.withUnsafeBufferPointer { elements in
            var p = 0
            var t = 0
            var starP = -1
            var starT = 0
            while t < count {
                if p < elements.count {
                    switch elements[p] {
                    case .star:
                        starP = p
                        starT = t
                        p += 1
                        continue
                    case .any:
                        p += 1
                        t += 1
                        continue
                    case .byte(let expected):
                        if byte(t) == expected {
                            p += 1
                            t += 1
                            continue
                        }
                    case .set(let set):
                        if set.contains(byte(t)) {
                            p += 1
                            t += 1
                            continue
                        }
                    }
                }
                guard starP >= 0 else { return false }
                p = starP + 1
                starT += 1
                t = starT
            }
            while p < elements.count && elements[p] == .star { p += 1 }
            return p == elements.count
        }
    }

    /// nil when `strict` and a `[` is not closed.
    private static func compile(_ source: [UInt8], strict: Bool) -> [Element]? {
        var elements: [Element] = []
        var index = 0
        while index < source.count {
            let byte = source[index]
            switch byte {
            case UInt8(ascii: "*"):
                // `**` is `*`.
                if elements.last != .star { elements.append(.star) }
                index += 1
            case UInt8(ascii: "?"):
                elements.append(.any)
                index += 1
            case UInt8(ascii: "["):
                if let (set, next) = parseClass(source, from: index + 1) {
                    elements.append(.set(set))
                    index = next
                } else {
                    if strict { return nil }
                    elements.append(.byte(byte))
                    index += 1
                }
            default:
                elements.append(.byte(byte))
                index += 1
            }
        }
        return elements
    }

    /// Parses a class body starting after `[`; returns the set and the index
    /// after `]`, or nil when there is no `]`.
    private static func parseClass(_ source: [UInt8], from start: Int) -> (ByteSet, Int)? {
        var index = start
        var negated = false
        if index < source.count && (source[index] == UInt8(ascii: "!") || source[index] == UInt8(ascii: "^")) {
            negated = true
            index += 1
        }
        var set = ByteSet()
        var first = true
        while index < source.count {
            let byte = source[index]
            if byte == UInt8(ascii: "]") && !first {
                if negated { set.invert() }
                return (set, index + 1)
            }
            first = false
            if index + 2 < source.count && source[index + 1] == UInt8(ascii: "-") && source[index + 2] != UInt8(ascii: "]") {
                let upper = source[index + 2]
                // A reversed range (`[z-a]`) is empty, as in fnmatch.
                if byte <= upper {
                    for member in byte...upper { set.insert(member) }
                }
                index += 3
            } else {
                set.insert(byte)
                index += 1
            }
        }
        return nil
    }
}
