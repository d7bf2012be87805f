/// The names a template can make, over-approximated as a sequence of
/// pieces (a byte, one byte of a set, any run of bytes of a set), so that
/// two templates are told apart at compile time when no name can come from
/// both: `py.{cmd}` with `cmd "py*"` and `pl.{cmd}` never collide,
/// `c.{cmd}` with `cmd "*"` and `c.{user}` may.
struct NameLanguage: Sendable {
    enum Piece: Equatable, Sendable {
        case byte(UInt8)
        /// Exactly one byte of the set.
        case one(ByteSet)
        /// Any number of bytes of the set, none included.
        case many(ByteSet)
    }

    var pieces: [Piece]

    /// Every byte an encoded value can hold (see `NameEncoding`).
    static let nameBytes: ByteSet = {
        var set = ByteSet()
        for byte in UInt8(0x21)...UInt8(0xFF) where byte != UInt8(ascii: "/") { set.insert(byte) }
        return set
    }()

    static let digits: ByteSet = {
        var set = ByteSet()
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { set.insert(byte) }
        return set
    }()

    /// A decimal number.
    static let number: [Piece] = [.one(digits), .many(digits)]
    /// An account's name (or, without one, a number): any non-empty value.
    static let anyName: [Piece] = [.one(nameBytes), .many(nameBytes)]
    /// Any value, empty included.
    static let anything: [Piece] = [.many(nameBytes)]

    /// The encoded form of a literal value.
    static func literal(_ bytes: [UInt8]) -> [Piece] {
        NameEncoding.encoded(bytes).map { .byte($0) }
    }

    /// A glob's values, encoded: its literal bytes kept (as in a name's
    /// middle), anything else any run.
    static func glob(_ pattern: CommPattern) -> [Piece] {
        var pieces: [Piece] = []
        for piece in pattern.pieces {
            if let byte = piece {
                var encoded: [UInt8] = [UInt8(ascii: "x")]
                NameEncoding.append([byte], to: &encoded)
                pieces += encoded.dropFirst().map { .byte($0) }
            } else {
                pieces.append(.many(nameBytes))
            }
        }
        return pieces
    }

    /// The language of `template`, each placeholder's values given by `value`.
    init(_ template: NameTemplate, _ value: (Placeholder) -> [Piece]) {
        pieces = []
        for element in template.elements {
            switch element {
            case .literal(let bytes): pieces += bytes.map { .byte($0) }
            case .placeholder(let placeholder): pieces += value(placeholder)
            }
        }
    }

    /// A name both languages hold, or nil when none: a breadth-first walk
    /// of the pair of positions (at most 256 × 256 for names of 255 bytes).
    static func commonName(_ a: NameLanguage, _ b: NameLanguage) -> [UInt8]? {
        let a = a.pieces, b = b.pieces
        let width = b.count + 1
        let stateCount = (a.count + 1) * width
        // How each state was first reached: the previous state and the byte
        // taken (-1: none, an empty run skipped).
        var previous = [Int32](repeating: -2, count: stateCount)
        var taken = [Int16](repeating: -1, count: stateCount)
        var queue: [Int] = [0]
        previous[0] = -1
        var head = 0
        func visit(_ i: Int, _ j: Int, from state: Int, byte: Int16) {
            let next = i * width + j
            guard previous[next] == -2 else { return }
            previous[next] = Int32(state)
            taken[next] = byte
            queue.append(next)
        }
        while head < queue.count {
            let state = queue[head]
            head += 1
            let i = state / width, j = state % width
            if i == a.count && j == b.count {
                var name: [UInt8] = []
                var at = state
                while previous[at] >= 0 {
                    if taken[at] >= 0 { name.append(UInt8(taken[at])) }
                    at = Int(previous[at])
                }
                return name.reversed()
            }
            // An empty run is skipped.
            if i < a.count, case .many = a[i] { visit(i + 1, j, from: state, byte: -1) }
            if j < b.count, case .many = b[j] { visit(i, j + 1, from: state, byte: -1) }
            guard i < a.count, j < b.count, let byte = firstCommonByte(a[i], b[j]) else { continue }
            let nextI = { if case .many = a[i] { i } else { i + 1 } }()
            let nextJ = { if case .many = b[j] { j } else { j + 1 } }()
            visit(nextI, nextJ, from: state, byte: Int16(byte))
        }
        return nil
    }

    private static func set(of piece: Piece) -> ByteSet {
        switch piece {
        case .byte(let byte):
            var set = ByteSet()
            set.insert(byte)
            return set
        case .one(let set), .many(let set):
            return set
        }
    }

    /// A byte both pieces accept: `x` or `0` when they can (a readable
    /// example), else the lowest.
    private static func firstCommonByte(_ a: Piece, _ b: Piece) -> UInt8? {
        let left = set(of: a), right = set(of: b)
        for preferred in [UInt8(ascii: "x"), UInt8(ascii: "0")] where left.contains(preferred) && right.contains(preferred) {
            return preferred
        }
        for byte in UInt8(0)...UInt8(0xFF) where left.contains(byte) && right.contains(byte) { return byte }
        return nil
    }
}
