import UprocRules

/// Where the accounts come from; the header names it.
public enum AccountsSource: Hashable, Sendable {
    case files(passwd: String, group: String)
    /// `getpwent`/`getgrent`: local files plus LDAP, SSSD, systemd…
    case nameService

    public static let systemFiles = AccountsSource.files(passwd: "/etc/passwd", group: "/etc/group")

    /// How warnings name an NSS database, which has no file or lines.
    public static func nameServiceOrigin(_ kind: AccountKind) -> AccountOrigin {
        AccountOrigin(source: kind == .user ? "NSS passwd" : "NSS group", line: nil)
    }
}

/// A generated config and the warnings for what it left out.
public struct GeneratedConfig: Hashable, Sendable {
    /// The `uproc.conf` text: header comment, then one rule per line.
    public var text: String
    /// Input order: users' source first, each by line.
    public var warnings: [AccountWarning]
    public var userRuleCount: Int
    public var groupRuleCount: Int

    public init(text: String, warnings: [AccountWarning], userRuleCount: Int, groupRuleCount: Int) {
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
public enum ConfigGenerator {
    /// `users` and `groups` as parsed (their parse warnings are passed
    /// through, merged by line); either may be nil when the options leave
    /// that kind out.
    public static func generate(
        users: ParsedAccounts?, groups: ParsedAccounts?, source: AccountsSource, options: GeneratorOptions
    ) -> GeneratedConfig {
        var taken: [[UInt8]: (kind: AccountKind, entry: AccountEntry)] = [:]
        var warnings: [AccountWarning] = []
        var lines: [String] = []
        var counts: [AccountKind: Int] = [.user: 0, .group: 0]
        for (kind, parsed) in [(AccountKind.user, users), (.group, groups)] where options.includes(kind) {
            guard let parsed, let range = options.idRange(for: kind) else { continue }
            var kindWarnings = parsed.warnings
            var kept: [(name: [UInt8], id: UInt32)] = []
            let prefix = Array(options.prefix(for: kind).utf8)
            for entry in parsed.entries where range.contains(entry.id) {
                let namespace = prefix + entry.name
                let account = "\(kind.rawValue) \(Quoting.quoted(entry.name)) (\(kind.idName) \(entry.id))"
                if let problem = NamespaceName.problem(with: namespace) {
                    kindWarnings.append(AccountWarning(origin: entry.origin, message: "\(account) skipped: \(problem)"))
                } else if let problem = ConfigWord.problem(with: namespace) {
                    kindWarnings.append(AccountWarning(
                        origin: entry.origin,
                        message: "\(account) skipped: namespace \(Quoting.quoted(namespace)) cannot be written in uproc.conf: \(problem)"))
                } else if let first = taken[namespace] {
                    let other = "\(first.kind.rawValue) \(Quoting.quoted(first.entry.name)) (\(first.kind.idName) \(first.entry.id))"
                    let place = first.entry.origin.line == nil ? "" : " at \(first.entry.origin)"
                    kindWarnings.append(AccountWarning(
                        origin: entry.origin,
                        message: "\(account) skipped: namespace \(Quoting.quoted(namespace)) is already used by \(other)\(place)"))
                } else {
                    taken[namespace] = (kind, entry)
                    kept.append((namespace, entry.id))
                }
            }
            kept.sort { $0.id != $1.id ? $0.id < $1.id : $0.name.lexicographicallyPrecedes($1.name) }
            for rule in kept {
                // Valid UTF-8: NamespaceName checked it.
                lines.append("\(kind.ruleKey) \(rule.id) \(String(decoding: rule.name, as: UTF8.self))\n")
            }
            counts[kind] = kept.count
            warnings += sortedByLine(kindWarnings)
        }
        let text = header(source: source, options: options) + "\n" + lines.joined()
        return GeneratedConfig(
            text: text, warnings: warnings, userRuleCount: counts[.user]!, groupRuleCount: counts[.group]!)
    }

    /// The comment at the top: where the accounts came from, what the
    /// names look like, the non-default options. No time stamp.
    public static func header(source: AccountsSource, options: GeneratorOptions) -> String {
        var from: [String] = []
        var shapes: [String] = []
        for kind in [AccountKind.user, .group] where options.includes(kind) {
            switch source {
            case .files(let passwd, let group):
                from.append(Quoting.escaped(Array((kind == .user ? passwd : group).utf8)))
            case .nameService:
                from.append(kind == .user ? "getpwent" : "getgrent")
            }
            shapes.append("\(kind.rawValue) (\(Quoting.escaped(Array(options.prefix(for: kind).utf8)))<\(kind.rawValue)>)")
        }
        let origin: String
        switch source {
        case .files: origin = from.joined(separator: " and ")
        case .nameService: origin = "the name service (\(from.joined(separator: ", ")))"
        }
        var text = "# Generated by uproc-genconf from \(origin):\n"
        text += "# one namespace per \(shapes.joined(separator: " and per ")).\n"
        let arguments = options.arguments
        if !arguments.isEmpty { text += "# Options: \(arguments.joined(separator: " "))\n" }
        return text
    }

    private static func sortedByLine(_ warnings: [AccountWarning]) -> [AccountWarning] {
        warnings.enumerated().sorted { lhs, rhs in
            let (left, right) = (lhs.element.origin.line ?? .max, rhs.element.origin.line ?? .max)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }
}
