/// A dynamic template as the compiler hands it to the table.
struct TemplateSpec: Sendable {
    var template: RuleTemplate
    /// For an account template's numeric names: its `*` key and the IDs
    /// with an account (ascending), which the expansions serve.
    var uncovered: ConfigKey?
    var covered: [UInt32]

    init(template: RuleTemplate, uncovered: ConfigKey? = nil, covered: [UInt32] = []) {
        self.template = template
        self.uncovered = uncovered
        self.covered = covered
    }
}

/// Templates, once every concrete rule is known.
///
/// - A template with one `*` account key and no glob's value in its name
///   (`uid * uid.{user}`) expands here to one rule per account of passwd
///   (or group), empty namespaces included, ordered by ID then name; an ID
///   without an account gets a dynamic namespace under its number while it
///   has members (the template's "numeric" part, `TemplateSpec.uncovered`).
/// - A template of single values (`uid 1000 u.{user}`) expands to one rule.
/// - Any other (`cmd "*" cmd.{cmd}`, several `*` keys) is dynamic: the
///   tracker makes its namespaces while they have members.
///
/// A concrete rule's name wins over an expansion's: that account gets no
/// namespace from the template. Two templates that make one name are an
/// error naming both sources; two accounts of one template that make one
/// name (a name twice in passwd) a warning, the first keeping it. Dynamic
/// templates are compared by the names they can make (`NameLanguage`).
extension CompilerState {
    private struct Source {
        var template: Int
        var description: String
        var conditions: [Condition]
        var loginuid: UInt32?
    }

    mutating func expandTemplates() -> (specs: [TemplateSpec], accounts: AccountNames) {
        guard !templates.isEmpty else { return ([], AccountNames()) }
        var lists: [AccountDatabase: [AccountName]?] = [:]
        let resolver = accounts
        func list(_ database: AccountDatabase) -> [AccountName]? {
            if let cached = lists[database] { return cached }
            let listed = resolver.accounts(in: database)
            lists[database] = listed
            return listed
        }
        var firstNames: [AccountDatabase: [UInt32: [UInt8]]] = [:]
        func name(_ id: UInt32, users: Bool) -> [UInt8]? {
            let database: AccountDatabase = users ? .users : .groups
            if firstNames[database] == nil {
                var names: [UInt32: [UInt8]] = [:]
                for account in list(database) ?? [] where names[account.id] == nil { names[account.id] = account.name }
                firstNames[database] = names
            }
            return firstNames[database]?[id]
        }

        var sources: [Int32: Source] = [:]
        var specs: [TemplateSpec] = []
        var languages: [(template: Int, language: NameLanguage, dynamic: Bool)] = []
        for (index, parsed) in templates.enumerated() {
            let rule = parsed.rule
            if rule.isDynamic {
                specs.append(TemplateSpec(template: rule))
                languages.append((index, language(rule, uncovered: nil, name: name), true))
                continue
            }
            guard let star = rule.stars.first else {
                expand(parsed, index, account: nil, sources: &sources, name: name)
                continue
            }
            guard let accounts = list(star.namesUsers ? .users : .groups) else {
                report(.accountsNotListed(star.namesUsers ? .users : .groups), line: rule.line, column: parsed.starColumns[0])
                continue
            }
            // 4294967295 is the kernel's "no ID": no process has it as an ID
            // (as a login UID it is "unset", which has no account).
            let sorted = accounts.filter { $0.id != .max }
                .sorted { $0.id != $1.id ? $0.id < $1.id : $0.name.lexicographicallyPrecedes($1.name) }
            var covered: [UInt32] = []
            var capped = 0
            var previous: AccountName?
            for account in sorted where account != previous {
                previous = account
                if covered.last != account.id { covered.append(account.id) }
                if builder.names.count >= maxNamespaces {
                    capped += 1
                    continue
                }
                expand(parsed, index, account: (star, account), sources: &sources, name: name)
            }
            if capped > 0 {
                report(.templateCapped(total: sorted.count, kept: sorted.count - capped, limit: maxNamespaces),
                       line: rule.line, column: parsed.column)
            }
            specs.append(TemplateSpec(template: rule, uncovered: star, covered: covered))
            languages.append((index, language(rule, uncovered: nil, name: name), false))
            languages.append((index, language(rule, uncovered: star, name: name), true))
        }

        // Names that may come from two templates, one of them dynamic.
        var reported = Set<Int>()
        for second in languages.indices where languages[second].dynamic || languages.contains(where: \.dynamic) {
            for first in languages.indices where first < second {
                let (a, b) = (languages[first], languages[second])
                guard a.template != b.template, a.dynamic || b.dynamic, !reported.contains(b.template * templates.count + a.template),
                      let example = NameLanguage.commonName(a.language, b.language) else { continue }
                reported.insert(b.template * templates.count + a.template)
                let later = templates[b.template]
                report(.templatesMayCollide(firstLine: templates[a.template].rule.line, example: ByteText.escaped(example)),
                       line: later.rule.line, column: later.column)
            }
        }
        sortDiagnosticsByLine()

        // The names dynamic templates make at run time.
        var runtime = AccountNames()
        for spec in specs {
            for placeholder in spec.template.name.placeholders where placeholder.form == .name && placeholder.key != spec.uncovered {
                let database: AccountDatabase = placeholder.key.namesUsers ? .users : .groups
                if database == .users && runtime.users.isEmpty {
                    for account in list(.users) ?? [] where runtime.users[account.id] == nil { runtime.users[account.id] = account.name }
                } else if database == .groups && runtime.groups.isEmpty {
                    for account in list(.groups) ?? [] where runtime.groups[account.id] == nil { runtime.groups[account.id] = account.name }
                }
            }
        }
        return (specs, runtime)
    }

    /// Defines the rule template `index` makes for `account` (the value of
    /// its `*` key), or for its single values.
    private mutating func expand(
        _ parsed: ParsedTemplate, _ index: Int, account: (key: ConfigKey, account: AccountName)?,
        sources: inout [Int32: Source], name: (UInt32, Bool) -> [UInt8]?
    ) {
        let rule = parsed.rule
        var conditions = rule.conditions
        var loginuid = rule.loginuid
        if let (key, account) = account {
            if let ruleKey = key.ruleKey {
                conditions.insert(.id(ruleKey, account.id), at: min(parsed.starPosition, conditions.count))
            } else {
                loginuid = account.id
            }
        }
        var bytes: [UInt8] = []
        let made = rule.name.expand(into: &bytes) { placeholder, value in
            if let (key, account) = account, placeholder.key == key {
                if placeholder.form == .name { value += account.name } else { DecimalText.append(account.id, to: &value) }
                return
            }
            switch placeholder.form {
            case .text:
                value += rule.exactText(placeholder.key) ?? []
            case .number:
                if let id = rule.exactID(placeholder.key) { DecimalText.append(id, to: &value) }
            case .name:
                if let id = rule.exactID(placeholder.key) {
                    if let accountName = name(id, placeholder.key.namesUsers) { value += accountName } else { DecimalText.append(id, to: &value) }
                }
            }
        }
        let source = account.map { Self.describe($0.key, $0.account) } ?? "its values"
        guard made else {
            report(.expansionTooLong(source: source), line: rule.line, column: parsed.column)
            return
        }
        // Valid UTF-8: the literal parts were checked, the values encoded.
        let namespace = String(decoding: bytes, as: UTF8.self)
        if let existing = builder.define(namespace, line: rule.line) {
            // A concrete rule wins over an expansion: nothing to say.
            guard let first = sources[existing] else { return }
            if first.template == index {
                if first.conditions != conditions || first.loginuid != loginuid {
                    report(.accountNameTaken(namespace, source: source, firstSource: first.description),
                           line: rule.line, column: parsed.column)
                }
            } else {
                report(.expansionCollision(namespace, source: source, firstLine: templates[first.template].rule.line,
                                           firstSource: first.description),
                       line: rule.line, column: parsed.column)
            }
            return
        }
        builder.conditions += conditions
        builder.endRule(RuleExtras(loginuid: loginuid, executable: rule.executable, isTree: rule.isTree))
        sources[Int32(builder.names.count - 1)] = Source(template: index, description: source, conditions: conditions, loginuid: loginuid)
    }

    /// `user 'alice' (uid 1000)`.
    private static func describe(_ key: ConfigKey, _ account: AccountName) -> String {
        "\(key.namesUsers ? "user" : "group") '\(ByteText.escaped(account.name))' (\(key.word) \(account.id))"
    }

    /// The names `rule` can make; with `uncovered`, those of its numeric part.
    private func language(_ rule: RuleTemplate, uncovered: ConfigKey?, name: (UInt32, Bool) -> [UInt8]?) -> NameLanguage {
        NameLanguage(rule.name) { placeholder in
            if placeholder.key == uncovered { return NameLanguage.number }
            if rule.stars.contains(placeholder.key) {
                return placeholder.form == .number ? NameLanguage.number : NameLanguage.anyName
            }
            switch placeholder.form {
            case .text:
                if let exact = rule.exactText(placeholder.key) { return NameLanguage.literal(exact) }
                if placeholder.key == .exe, let pattern = rule.executable { return NameLanguage.glob(pattern) }
                for condition in rule.conditions {
                    if case .commPattern(let pattern) = condition { return NameLanguage.glob(pattern) }
                }
                return NameLanguage.anything
            case .number:
                guard let id = rule.exactID(placeholder.key) else { return NameLanguage.number }
                var digits: [UInt8] = []
                DecimalText.append(id, to: &digits)
                return NameLanguage.literal(digits)
            case .name:
                guard let id = rule.exactID(placeholder.key) else { return NameLanguage.anyName }
                if let accountName = name(id, placeholder.key.namesUsers) { return NameLanguage.literal(accountName) }
                var digits: [UInt8] = []
                DecimalText.append(id, to: &digits)
                return NameLanguage.literal(digits)
            }
        }
    }

    /// Diagnostics of the expansions go with their lines (stable: a line's
    /// own order stays).
    private mutating func sortDiagnosticsByLine() {
        diagnostics = diagnostics.enumerated().sorted {
            ($0.element.location.line, $0.offset) < ($1.element.location.line, $1.offset)
        }.map(\.element)
    }
}
