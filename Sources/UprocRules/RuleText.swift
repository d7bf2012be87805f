extension Condition {
    /// The condition as a config would write it (`cmd "Web Content"`),
    /// quoting and escaping a `cmd` value when a bare word would not read
    /// back the same. Comm bytes are kept raw (they may be non-UTF-8).
    package var sourceBytes: [UInt8] {
        switch self {
        case .id(let key, let value):
            return Array("\(key.rawValue) \(value)".utf8)
        case .comm(let comm):
            return Array("cmd ".utf8) + Self.quotedIfNeeded(comm.bytes)
        case .commPattern(let pattern):
            return Array("cmd ".utf8) + Self.quotedIfNeeded(pattern.source)
        }
    }

    static func quotedIfNeeded(_ bytes: [UInt8]) -> [UInt8] {
        let needsQuotes = bytes.isEmpty || bytes.first == UInt8(ascii: "#") || bytes.first == UInt8(ascii: "\"")
            || bytes.contains { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard needsQuotes else { return bytes }
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in bytes {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
        return out
    }
}

extension Condition: CustomStringConvertible {
    /// `sourceBytes` for reading: non-UTF-8 and control bytes as `\xNN`.
    package var description: String { ByteText.display(sourceBytes) }
}

extension Rule {
    /// The rule as one config line, without its line end: `tree` first,
    /// the conditions in source order, then `loginuid` and `exe`.
    package var sourceBytes: [UInt8] {
        var out: [UInt8] = isTree ? Array("tree ".utf8) : []
        for condition in conditions {
            out += condition.sourceBytes
            out.append(UInt8(ascii: " "))
        }
        if let loginuid { out += Array("loginuid \(Self.loginUIDText(loginuid)) ".utf8) }
        if let executable { out += Array("exe ".utf8) + Condition.quotedIfNeeded(executable.source) + [UInt8(ascii: " ")] }
        return out + Array(namespace.utf8)
    }

    /// A `loginuid` value as a config writes it: `unset` for 4294967295.
    package static func loginUIDText(_ value: UInt32) -> String {
        value == ProcessIdentity.unsetLoginUID ? "unset" : "\(value)"
    }
}

extension Rule: CustomStringConvertible {
    package var description: String { ByteText.display(sourceBytes) }
}
