/// The accounts of one file, and what was wrong with the lines left out.
public struct ParsedAccounts: Hashable, Sendable {
    /// In file order.
    public var entries: [AccountEntry]
    /// In line order.
    public var warnings: [AccountWarning]

    public init(entries: [AccountEntry] = [], warnings: [AccountWarning] = []) {
        self.entries = entries
        self.warnings = warnings
    }
}

/// Parses `/etc/passwd` (`name:password:uid:gid:gecos:home:shell`) and
/// `/etc/group` (`name:password:gid:members`) text.
///
/// Blank lines and `#` comment lines are skipped quietly, as glibc's own
/// files backend skips them. Every other line that is not a well-formed
/// entry is skipped with a warning: a wrong number of fields, an empty
/// name, an ID (or a passwd line's primary GID) that is not a decimal
/// 32-bit number, NIS compat `+`/`-` lines (which only the name service
/// can expand), and lines ending in a carriage return (a DOS file, whose
/// last field would silently carry the `\r`).
public enum AccountsFile {
    public static func parse(_ bytes: [UInt8], path: String, kind: AccountKind) -> ParsedAccounts {
        var result = ParsedAccounts()
        var lineNumber = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            lineNumber += 1
            let origin = AccountOrigin(source: path, line: lineNumber)
            switch parseLine(bytes[start..<end], kind: kind) {
            case .skip: break
            case .entry(let name, let id): result.entries.append(AccountEntry(name: name, id: id, origin: origin))
            case .malformed(let message): result.warnings.append(AccountWarning(origin: origin, message: message))
            }
            start = end < bytes.endIndex ? end + 1 : end
        }
        return result
    }

    enum LineResult: Hashable {
        case skip
        case entry(name: [UInt8], id: UInt32)
        case malformed(String)
    }

    static func parseLine(_ line: ArraySlice<UInt8>, kind: AccountKind) -> LineResult {
        let content = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        if content.isEmpty || content.first == UInt8(ascii: "#") { return .skip }
        if line.last == UInt8(ascii: "\r") {
            return .malformed("line ends in a carriage return (DOS line ending); line skipped")
        }
        if line.first == UInt8(ascii: "+") || line.first == UInt8(ascii: "-") {
            return .malformed("NIS compat entry skipped (use --nss to enumerate NIS accounts through the name service)")
        }
        let fields = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        let expected = kind == .user ? 7 : 4
        if fields.count != expected {
            return .malformed("expected \(expected) colon-separated fields, found \(fields.count); line skipped")
        }
        if fields[0].isEmpty { return .malformed("empty \(kind.rawValue) name; line skipped") }
        guard let id = decimalID(fields[2]) else {
            return .malformed("\(kind.idName) \(Quoting.quoted(fields[2])) is not a number from 0 to \(UInt32.max); line skipped")
        }
        // glibc rejects a passwd line whose primary GID does not parse: the
        // user would not exist for the system either.
        if kind == .user, decimalID(fields[3]) == nil {
            return .malformed("GID \(Quoting.quoted(fields[3])) is not a number from 0 to \(UInt32.max); line skipped")
        }
        return .entry(name: Array(fields[0]), id: id)
    }

    /// Digits only (no sign, no spaces), at most `UInt32.max`.
    static func decimalID(_ field: ArraySlice<UInt8>) -> UInt32? {
        guard !field.isEmpty else { return nil }
        var value: UInt32 = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt32(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }
}
