/// The accounts of one file, and what was wrong with the lines left out.
package struct ParsedAccounts: Hashable, Sendable {
    /// In file order.
    package var entries: [AccountEntry]
    /// In line order.
    package var warnings: [AccountWarning]

    package init(entries: [AccountEntry] = [], warnings: [AccountWarning] = []) {
        self.entries = entries
        self.warnings = warnings
    }
}

/// Parses `/etc/passwd` (`name:password:uid:gid:gecos:home:shell`) and
/// `/etc/group` (`name:password:gid:members`) text the way glibc's files
/// backend does (`__nss_readline`, then the `parse_line` of
/// `fgetpwent_r.c` / `files-grp.c`), so that a line the system accepts
/// yields its account here too:
///
/// - leading white space (C `isspace`) is dropped; then blank lines and
///   `#` comment lines are skipped quietly;
/// - a line ends at its first NUL byte, as a C string does;
/// - the fields after the IDs may be missing, and the last field glibc
///   reads takes the rest of the line, colons and the `\r` of a DOS line
///   ending included (the shell, or a group's members): such a line is an
///   account;
/// - an ID is read with `strtoul` (leading white space and a sign allowed,
///   digits up to the next `:` or the end), and glibc 2.36 (Debian 12)
///   rejects the line when the value does not fit 32 bits: `-1` is
///   rejected, 4294967295 (`(uid_t)-1`, which the generator then skips
///   with a warning) is read.
///
/// Lines glibc rejects are skipped with a warning: too few fields for the
/// IDs, an ID (or a passwd line's primary GID) that is not a number from 0
/// to 4294967295. Lines
/// glibc accepts but that are not accounts are skipped with a warning too:
/// an empty name, and NIS compat `+`/`-` lines, which only the name
/// service can expand.
package enum AccountsFile {
    package static func parse(_ bytes: [UInt8], path: String, kind: AccountKind) -> ParsedAccounts {
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

    static func parseLine(_ raw: ArraySlice<UInt8>, kind: AccountKind) -> LineResult {
        let line = raw.prefix { $0 != 0 }.drop(while: isCSpace)
        if line.isEmpty || line.first == UInt8(ascii: "#") { return .skip }
        if line.first == UInt8(ascii: "+") || line.first == UInt8(ascii: "-") {
            return .malformed("NIS compat entry skipped (use --nss to enumerate NIS accounts through the name service)")
        }
        // name:password:uid:gid… or name:password:gid…; what follows the
        // last ID is not looked at.
        let idFields = kind == .user ? 4 : 3
        let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: idFields, omittingEmptySubsequences: false)
        if fields.count < idFields {
            let shape = kind == .user ? "name:password:UID:GID" : "name:password:GID"
            return .malformed("expected at least \(idFields) colon-separated fields (\(shape)), found \(fields.count); line skipped")
        }
        if fields[0].isEmpty { return .malformed("empty \(kind.rawValue) name; line skipped") }
        guard let id = cID(fields[2]) else {
            return .malformed("\(kind.idName) \(Quoting.quoted(fields[2])) is not a number from 0 to \(UInt32.max); line skipped")
        }
        // glibc rejects a passwd line whose primary GID does not parse: the
        // user would not exist for the system either.
        if kind == .user, cID(fields[3]) == nil {
            return .malformed("GID \(Quoting.quoted(fields[3])) is not a number from 0 to \(UInt32.max); line skipped")
        }
        return .entry(name: Array(fields[0]), id: id)
    }

    /// A whole field read as glibc reads an ID: `strtoul` (optional leading
    /// white space and sign, at least one digit, nothing after them; a
    /// minus negates in unsigned arithmetic), and a value that does not fit
    /// 32 bits rejects the line. Nil when glibc would reject the line.
    static func cID(_ field: ArraySlice<UInt8>) -> UInt32? {
        var rest = field.drop(while: isCSpace)
        var negative = false
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        var value: UInt64 = 0
        var overflow = false
        for byte in rest {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            overflow = overflow || overflow1 || overflow2
            value = sum
        }
        // strtoul: ULONG_MAX on overflow, whatever the sign; else a minus
        // negates in unsigned arithmetic ("-1" is ULONG_MAX).
        if overflow { return nil }
        if negative { value = 0 &- value }
        return value > UInt64(UInt32.max) ? nil : UInt32(value)
    }

    /// C's `isspace` in the C locale: space, \t, \n, \v, \f, \r.
    static func isCSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || (byte >= 0x09 && byte <= 0x0D)
    }
}
