import UprocRules

/// Where the accounts come from; the header names it.
package enum AccountsSource: Hashable, Sendable {
    case files(passwd: String, group: String)
    /// `getpwent`/`getgrent`: local files plus LDAP, SSSD, systemd…
    case nameService

    package static let systemFiles = AccountsSource.files(passwd: "/etc/passwd", group: "/etc/group")

    /// How warnings name an NSS database, which has no file or lines.
    package static func nameServiceOrigin(_ kind: AccountKind) -> AccountOrigin {
        AccountOrigin(source: kind == .user ? "NSS passwd" : "NSS group", line: nil)
    }
}

/// A generated config and the warnings for what it left out.
package struct GeneratedConfig: Hashable, Sendable {
    /// The `uproc.conf` text: header comment, then one rule per line.
    package var text: String
    /// Input order: users' source first, each by line.
    package var warnings: [AccountWarning]
    package var userRuleCount: Int
    package var groupRuleCount: Int

    package init(text: String, warnings: [AccountWarning], userRuleCount: Int, groupRuleCount: Int) {
        self.text = text
        self.warnings = warnings
        self.userRuleCount = userRuleCount
        self.groupRuleCount = groupRuleCount
    }
}

/// Turns accounts into `uproc.conf` text: `uid <uid> uid.<user>` for every
/// user, then `gid <gid> gid.<group>` for every group, each part sorted by
/// ID then name (bytewise, so the output does not depend on the locale).
/// Nothing in the output depends on the time or the input's order, so two
/// runs over the same accounts diff cleanly.
package enum ConfigGenerator {
    /// `users` and `groups` as parsed (their parse warnings are passed
    /// through, merged by line); either may be nil when the options leave
    /// that kind out.
    package static func generate(
        users: ParsedAccounts?, groups: ParsedAccounts?, source: AccountsSource, options: GeneratorOptions
    ) -> GeneratedConfig {
        var taken: [NamespaceKey: (kind: AccountKind, index: Int)] = [:]
        taken.reserveCapacity((users?.entries.count ?? 0) + (groups?.entries.count ?? 0))
        var warnings: [AccountWarning] = []
        var output = Array(header(source: source, options: options).utf8) + [UInt8(ascii: "\n")]
        var counts: [AccountKind: Int] = [.user: 0, .group: 0]
        for (kind, parsed) in [(AccountKind.user, users), (.group, groups)] where options.includes(kind) {
            guard let parsed, let range = options.idRange(for: kind) else { continue }
            var kindWarnings = parsed.warnings
            var kept: [(name: [UInt8], id: UInt32)] = []
            kept.reserveCapacity(parsed.entries.count)
            let prefix = Array(options.prefix(for: kind).utf8)
            func skip(_ entry: AccountEntry, _ reason: String) {
                kindWarnings.append(AccountWarning(origin: entry.origin, message: "\(describe(kind, entry)) skipped: \(reason)"))
            }
            for (index, entry) in parsed.entries.enumerated() {
                // Warned about whatever the range: the account looks real
                // but no rule can name its ID.
                if entry.id == GeneratorOptions.noID {
                    skip(entry, "\(entry.id) is (\(kind == .user ? "uid_t" : "gid_t"))-1, the kernel's \"no ID\", which no rule can name")
                    continue
                }
                guard range.contains(entry.id) else { continue }
                let namespace = prefix + entry.name
                if let problem = NamespaceName.problem(with: namespace) {
                    skip(entry, "\(problem)")
                } else if let problem = ConfigWord.problem(with: namespace) {
                    skip(entry, "namespace \(Quoting.quoted(namespace)) cannot be written in uproc.conf: \(problem)")
                } else if let first = taken[NamespaceKey(namespace)] {
                    let firstEntry = (first.kind == .user ? users : groups)!.entries[first.index]
                    let place = firstEntry.origin.line == nil ? "" : " at \(firstEntry.origin)"
                    skip(entry, "namespace \(Quoting.quoted(namespace)) is already used by \(describe(first.kind, firstEntry))\(place)")
                } else {
                    taken[NamespaceKey(namespace)] = (kind, index)
                    kept.append((namespace, entry.id))
                }
            }
            kept.sort { $0.id != $1.id ? $0.id < $1.id : $0.name.lexicographicallyPrecedes($1.name) }
            let key = Array(kind.ruleKey.rawValue.utf8)
            for rule in kept {
                output += key
                output.append(UInt8(ascii: " "))
                appendDecimal(rule.id, to: &output)
                output.append(UInt8(ascii: " "))
                output += rule.name
                output.append(UInt8(ascii: "\n"))
            }
            counts[kind] = kept.count
            warnings += sortedByLine(kindWarnings)
        }
        // Valid UTF-8: NamespaceName checked every name.
        return GeneratedConfig(
            text: String(decoding: output, as: UTF8.self), warnings: warnings,
            userRuleCount: counts[.user]!, groupRuleCount: counts[.group]!)
    }

    /// `user 'alice' (UID 1000)`, for warnings.
    private static func describe(_ kind: AccountKind, _ entry: AccountEntry) -> String {
        "\(kind.rawValue) \(Quoting.quoted(entry.name)) (\(kind.idName) \(entry.id))"
    }

    private static func appendDecimal(_ value: UInt32, to output: inout [UInt8]) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[9 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            output.append(contentsOf: buffer[(10 - count)...])
        }
    }

    /// The comment at the top: where the accounts came from, what the
    /// names look like, the non-default options. No time stamp.
    package static func header(source: AccountsSource, options: GeneratorOptions) -> String {
        var from: [String] = []
        var shapes: [String] = []
        for kind in [AccountKind.user, .group] where options.includes(kind) {
            switch source {
            case .files(let passwd, let group):
                from.append(ByteText.escaped(Array((kind == .user ? passwd : group).utf8)))
            case .nameService:
                from.append(kind == .user ? "getpwent" : "getgrent")
            }
            shapes.append("\(kind.rawValue) (\(ByteText.escaped(Array(options.prefix(for: kind).utf8)))<\(kind.rawValue)>)")
        }
        let origin: String
        switch source {
        case .files: origin = from.joined(separator: " and ")
        case .nameService: origin = "the name service (\(from.joined(separator: ", ")))"
        }
        var text = "# Generated by uproc-genconf from \(origin):\n"
        text += "# one namespace per \(shapes.joined(separator: " and per ")).\n"
        text += "# An account added later needs a new rule: run uproc-genconf again, or use its --template rules.\n"
        let arguments = options.arguments
        if !arguments.isEmpty { text += "# Options: \(arguments.joined(separator: " "))\n" }
        return text
    }

    /// `uproc-genconf --template`: the account templates, whose namespaces
    /// follow passwd and group (an account added later gets its file).
    package static func templates(options: GeneratorOptions) -> String {
        var text = "# Generated by uproc-genconf --template: one namespace per account of passwd and group,\n"
        text += "# made again whenever they change (see uproc.conf(5), TEMPLATES).\n"
        for (kind, rule) in [(AccountKind.user, "uid * "), (.group, "gid * ")] where options.includes(kind) {
            let prefix = options.prefix(for: kind).replacing("{", with: "{{").replacing("}", with: "}}")
            text += rule + prefix + (kind == .user ? "{user}" : "{group}") + "\n"
        }
        return text
    }

    private static func sortedByLine(_ warnings: [AccountWarning]) -> [AccountWarning] {
        warnings.enumerated().sorted { lhs, rhs in
            let (left, right) = (lhs.element.origin.line ?? .max, rhs.element.origin.line ?? .max)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }
}

/// A namespace name's bytes as a dictionary key, hashed in one call
/// rather than byte by byte (200,000 accounts hash noticeably).
private struct NamespaceKey: Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
