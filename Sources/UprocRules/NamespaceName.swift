/// Namespace names are file names in the daemon's directory.
package enum NamespaceName {
    package static let maxLength = 255

    package enum Problem: Hashable, Sendable, CustomStringConvertible {
        case empty
        case tooLong(Int)
        case slash
        case leadingDot
        case controlOrSpace(UInt8)
        case invalidUTF8

        package var description: String {
            switch self {
            case .empty: return "a namespace name cannot be empty"
            case .tooLong(let count): return "a namespace name is at most 255 bytes (this one has \(count))"
            case .slash: return "a namespace name cannot contain '/'"
            case .leadingDot: return "a namespace name cannot start with '.' (reserved for the daemon's own files)"
            case .controlOrSpace(let byte): return "a namespace name cannot contain spaces or control bytes (found 0x\(String(byte, radix: 16)))"
            case .invalidUTF8: return "a namespace name must be valid UTF-8"
            }
        }
    }

    /// The first problem with `name`, or nil when it is a valid name.
    package static func problem<C: Collection>(with name: C) -> Problem? where C.Element == UInt8 {
        if let problem = byteProblem(with: name) { return problem }
        if String(validating: name, as: UTF8.self) == nil { return .invalidUTF8 }
        return nil
    }

    package static func problem(with name: String) -> Problem? {
        problem(with: Array(name.utf8))
    }

    /// Every problem but invalid UTF-8 (the compiler checks that while
    /// making the name's String).
    static func byteProblem<C: Collection>(with name: C) -> Problem? where C.Element == UInt8 {
        if name.isEmpty { return .empty }
        if name.count > maxLength { return .tooLong(name.count) }
        if name.first == UInt8(ascii: ".") { return .leadingDot }
        for byte in name {
            if byte == UInt8(ascii: "/") { return .slash }
            if byte <= 0x20 || byte == 0x7F { return .controlOrSpace(byte) }
        }
        return nil
    }
}
