/// Compiles `uproc.conf` text into a `DecisionTable`, reporting every
/// problem of every line (not only the first) with its position.
package struct RuleCompiler: Sendable {
    package let accounts: any AccountResolver
    /// At most this many namespaces, static and dynamic (`--max-namespaces`):
    /// template expansions past it are not made (a warning says so).
    package let maxNamespaces: Int

    package init(accounts: any AccountResolver = StaticAccounts(), maxNamespaces: Int = DecisionTable.defaultMaxNamespaces) {
        self.accounts = accounts
        self.maxNamespaces = maxNamespaces
    }

    package func compile(_ source: SourceFile) -> Compilation {
        if source.bytes.count > SourceFile.maxSize {
            let location = SourceLocation(path: source.path, line: 1, column: 1)
            return Compilation(
                table: nil, diagnostics: [Diagnostic(.fileTooLarge(source.bytes.count), at: location)], ruleCount: 0)
        }
        var state = CompilerState(path: source.path, accounts: accounts, maxNamespaces: maxNamespaces)
        source.bytes.withUnsafeBufferPointer { bytes in
            // Sizing the name table for the lines that may hold rules (not
            // blank, not starting with `#`) saves rehashing every name as it
            // grows, the biggest cost of a large config.
            var likelyRules = 0
            var previous = UInt8(ascii: "\n")
            for byte in bytes {
                if previous == UInt8(ascii: "\n") && byte != UInt8(ascii: "\n") && byte != UInt8(ascii: "#") {
                    likelyRules += 1
                }
                previous = byte
            }
            state.reserve(rules: likelyRules)
            var lineStart = 0
            var line = 1
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
                let next = lineEnd + 1
                // CRLF: the `\r` belongs to the line end.
                if lineEnd > lineStart && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                // A UTF-8 byte-order mark some editors write is not a word.
                let hasMark = line == 1 && lineEnd >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
                state.compileLine(bytes, start: lineStart, end: lineEnd, line: line, skip: hasMark ? 3 : 0)
                lineStart = next
                line += 1
            }
        }
        return state.finish()
    }
}

/// The compiler's working state over one source.
struct CompilerState {
    let path: String
    let accounts: any AccountResolver
    let maxNamespaces: Int
    /// Rules with placeholders or `*` values, expanded once every concrete
    /// name is known (a concrete rule wins over an expansion).
    var templates: [ParsedTemplate] = []
    var diagnostics: [Diagnostic] = []
    var errorCount = 0
    var ruleCount = 0
    /// Every definition, with its conditions: without errors, every
    /// definition is a rule (with errors, no table is built).
    var builder = RuleBuilder(capacity: 0)
    var tokens: [Token] = []
    var line = 0
    var lineStart = 0
    var errorsBeforeLine = 0

    init(path: String, accounts: any AccountResolver, maxNamespaces: Int) {
        self.path = path
        self.accounts = accounts
        self.maxNamespaces = maxNamespaces
        tokens.reserveCapacity(16)
    }

    mutating func reserve(rules: Int) {
        builder = RuleBuilder(capacity: rules)
    }

    mutating func report(_ kind: DiagnosticKind, offset: Int) {
        report(kind, line: line, column: offset - lineStart + 1)
    }

    mutating func report(_ kind: DiagnosticKind, line: Int, column: Int) {
        let location = SourceLocation(path: path, line: line, column: column)
        if kind.severity == .error { errorCount += 1 }
        diagnostics.append(Diagnostic(kind, at: location))
    }

    mutating func compileLine(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, line: Int, skip: Int) {
        self.line = line
        self.lineStart = start
        tokens.removeAll(keepingCapacity: true)
        let firstDiagnostic = diagnostics.count
        errorsBeforeLine = errorCount
        defer { sortDiagnostics(from: firstDiagnostic) }
        var lexed: [(DiagnosticKind, Int)] = []
        let complete = LineLexer.lex(bytes, start: start + skip, end: end, into: &tokens) { lexed.append(($0, $1)) }
        for (kind, offset) in lexed { report(kind, offset: offset) }
        guard complete else {
            ruleCount += 1
            return
        }
        guard !tokens.isEmpty else { return }
        ruleCount += 1
        parseRule(bytes)
    }

    /// Puts one line's diagnostics in column order (stable).
    private mutating func sortDiagnostics(from start: Int) {
        guard diagnostics.count - start > 1 else { return }
        let sorted = diagnostics[start...].enumerated().sorted {
            ($0.element.location.column, $0.offset) < ($1.element.location.column, $1.offset)
        }.map(\.element)
        diagnostics.replaceSubrange(start..., with: sorted)
    }

    private mutating func parseRule(_ bytes: UnsafeBufferPointer<UInt8>) {
        // This line's conditions go straight to the builder's flat list,
        // taken back when the line defines no name.
        let firstCondition = builder.conditions.count
        var keyColumns = KeyColumns()
        var nameToken: Token?
        var facts = LineFacts()
        var index = 0
        if Self.isWord("tree", bytes, tokens[0]) {
            facts.isTree = true
            guard tokens.count > 2 else {
                report(.treeWithoutRoots, offset: tokens[0].start)
                return
            }
            index = 1
        }
        while true {
            let remaining = tokens.count - index
            if remaining == 0 {
                report(.missingName, offset: tokens[tokens.count - 1].end)
                break
            }
            if remaining == 1 && index > (facts.isTree ? 1 : 0) {
                nameToken = tokens[index]
                break
            }
            let keyToken = tokens[index]
            if Self.isWord("tree", bytes, keyToken) {
                report(.treeNotFirst, offset: keyToken.start)
                index += 1
                continue
            }
            let key = keyToken.quoted || keyToken.bad ? nil : Self.key(bytes, keyToken)
            if key == nil && !keyToken.bad {
                let shown = Self.withContent(bytes, keyToken) { ByteText.display($0) }
                report(.unknownKey(keyToken.quoted ? "\"" + shown + "\"" : shown), offset: keyToken.start)
            }
            guard remaining > 1 else {
                if let key { report(.missingValue(key), offset: keyToken.end) }
                break
            }
            let valueToken = tokens[index + 1]
            index += 2
            guard let key else { continue }
            let column = keyToken.start - lineStart + 1
            if let first = keyColumns[key] {
                report(.duplicateKey(key, firstColumn: first), offset: keyToken.start)
                continue
            }
            keyColumns[key] = column
            guard !valueToken.bad else { continue }
            Self.withContent(bytes, valueToken) { text in
                parseValue(key, text, at: valueToken.start, into: &facts)
            }
        }
        var defined = false
        if let nameToken, !nameToken.bad {
            defined = Self.withContent(bytes, nameToken) { name in
                defineOrCollect(name, at: nameToken.start, contentAt: nameToken.contentStart, facts: facts, keys: keyColumns,
                                firstCondition: firstCondition)
            }
        }
        if defined {
            builder.endRule(RuleExtras(loginuid: facts.loginuid, executable: facts.executable, isTree: facts.isTree))
        } else {
            builder.conditions.removeSubrange(firstCondition...)
        }
    }

    /// What a line says beyond its conditions on IDs and names.
    struct LineFacts {
        var isTree = false
        var loginuid: UInt32?
        var executable: CommPattern?
        /// Keys whose value is `*`, with the value's offset.
        var stars: [(ConfigKey, Int)] = []
    }

    /// Records the value of `key`: a condition in the builder's list, or a fact.
    private mutating func parseValue(_ key: ConfigKey, _ text: UnsafeBufferPointer<UInt8>, at offset: Int, into facts: inout LineFacts) {
        let isStar = text.count == 1 && text[0] == UInt8(ascii: "*")
        switch key {
        case .uid, .gid, .ruid, .rgid, .cmd:
            let ruleKey = key.ruleKey!
            if isStar && ruleKey != .cmd {
                facts.stars.append((key, offset))
            } else if let condition = value(for: ruleKey, text, at: offset) {
                builder.conditions.append(condition)
            }
        case .loginuid:
            if isStar {
                facts.stars.append((.loginuid, offset))
            } else {
                facts.loginuid = loginUID(text, at: offset)
            }
        case .exe:
            facts.executable = executable(text, at: offset)
        }
    }

    /// A `loginuid` value: a number (4294967295 included), `unset`, or a user.
    private mutating func loginUID(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32? {
        if text.elementsEqual("unset".utf8) { return ProcessIdentity.unsetLoginUID }
        if !text.isEmpty && text.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let number = DecimalText.parse(text), let value = UInt32(exactly: number) else {
                report(.loginUIDOutOfRange(ByteText.display(text)), offset: offset)
                return nil
            }
            return value
        }
        let first = text.first ?? 0
        let looksNumeric = first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")
            || first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
        if let name = String(validating: text, as: UTF8.self), !name.isEmpty, !looksNumeric {
            if let id = accounts.userID(named: name) { return id }
            report(.unknownUser(ByteText.display(text)), offset: offset)
            return nil
        }
        report(.invalidLoginUID(ByteText.display(text)), offset: offset)
        return nil
    }

    /// An `exe` value: a glob, or one path.
    private mutating func executable(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> CommPattern? {
        let pattern: CommPattern
        if CommPattern.isPattern(text) {
            do {
                pattern = try CommPattern(validating: Array(text))
            } catch {
                report(.unterminatedBracket(ByteText.display(text)), offset: offset)
                return nil
            }
        } else {
            pattern = CommPattern(Array(text))
        }
        let shown = ByteText.display(text)
        if text.isEmpty {
            report(.neverMatches("exe '' is empty, but /proc/PID/exe is an absolute path"), offset: offset)
        } else if pattern.literalFirstByte.map({ $0 != UInt8(ascii: "/") }) ?? false {
            report(.neverMatches("exe '\(shown)' is not an absolute path, but /proc/PID/exe always is one"), offset: offset)
        } else if let reason = pattern.neverMatchesReasonForPaths {
            report(.neverMatches(reason), offset: offset)
        }
        return pattern
    }

    /// Defines a concrete rule's name, or collects a template (placeholders
    /// in the name, or a `*` value) for expansion at the end; false when the
    /// line defines no rule now (its conditions are then taken back).
    private mutating func defineOrCollect(
        _ name: UnsafeBufferPointer<UInt8>, at offset: Int, contentAt content: Int, facts: LineFacts, keys: KeyColumns,
        firstCondition: Int
    ) -> Bool {
        let raw: [NameTemplate.RawElement]
        switch NameTemplate.parse(name) {
        case .success(let elements): raw = elements
        case .failure(.unknownPlaceholder(let word, let at)):
            report(.unknownPlaceholder(word), offset: content + at)
            return false
        case .failure(.unterminated(let at)):
            report(.unterminatedPlaceholder, offset: content + at)
            return false
        }
        let hasPlaceholder = raw.contains { if case .placeholder = $0 { true } else { false } }
        if !hasPlaceholder && facts.stars.isEmpty {
            // A plain name (braces doubled in it stand for one).
            let literal = raw.reduce(into: [UInt8]()) { if case .literal(let bytes) = $1 { $0 += bytes } }
            if literal.count == name.count { return define(name, at: offset) }
            return literal.withUnsafeBufferPointer { define($0, at: offset) }
        }
        // A template: each placeholder stands for a key the rule tests.
        let ruleKeys = keys.templateKeys
        var elements: [NameTemplate.Element] = []
        var problem = false
        for element in raw {
            switch element {
            case .literal(let bytes):
                elements.append(.literal(bytes))
            case .placeholder(let word, let at):
                guard let key = word.keys.first(where: { ruleKeys.contains($0) }) else {
                    report(.placeholderWithoutKey(word.word), offset: content + at)
                    problem = true
                    continue
                }
                elements.append(.placeholder(Placeholder(key: key, form: word.form)))
            }
        }
        let template = NameTemplate(elements: elements)
        for (key, at) in facts.stars where !template.placeholders.contains(where: { $0.key == key }) {
            report(.starWithoutPlaceholder(key), offset: at)
            problem = true
        }
        if let literalProblem = template.literalProblem() {
            report(.invalidName(ByteText.display(name), literalProblem), offset: offset)
            problem = true
        }
        guard !problem else { return false }
        templates.append(ParsedTemplate(
            rule: RuleTemplate(
                tree: facts.isTree, conditions: Array(builder.conditions[firstCondition...]), stars: facts.stars.map(\.0),
                loginuid: facts.loginuid, executable: facts.executable, name: template, line: line),
            column: offset - lineStart + 1,
            starColumns: facts.stars.map { $0.1 - lineStart + 1 },
            starPosition: facts.stars.isEmpty ? 0 : conditionsBefore(facts.stars[0].1, keys: keys, stars: facts.stars)))
        return false
    }

    /// How many of the rule's conditions stand before the `*` value at
    /// `offset` (where an expansion puts its condition, keeping source order).
    private func conditionsBefore(_ offset: Int, keys: KeyColumns, stars: [(ConfigKey, Int)]) -> Int {
        let column = offset - lineStart + 1
        return ConfigKey.allCases.count { key in
            guard key.ruleKey != nil, let keyColumn = keys[key] else { return false }
            return keyColumn < column && !stars.contains { $0.0 == key }
        }
    }

    /// Registers the name `bytes` as defined on this line; false after
    /// reporting why it cannot be.
    private mutating func define(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Bool {
        var problem = NamespaceName.byteProblem(with: bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        // Decoding repairs invalid UTF-8: a repaired name differs from its bytes.
        if problem == nil && !(text.utf8.count == bytes.count && text.utf8.elementsEqual(bytes)) {
            problem = .invalidUTF8
        }
        if let problem {
            report(.invalidName(ByteText.display(bytes), problem), offset: offset)
            return false
        }
        if let existing = builder.define(text, line: line) {
            report(.duplicateName(text, firstLine: builder.line(of: Int(existing))), offset: offset)
            return false
        }
        return true
    }

    /// The value `text` of `key`, or nil after reporting why not.
    private mutating func value(for key: RuleKey, _ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> Condition? {
        if key == .cmd {
            if CommPattern.isPattern(text) {
                let pattern: CommPattern
                do {
                    pattern = try CommPattern(validating: Array(text))
                } catch {
                    report(.unterminatedBracket(ByteText.display(text)), offset: offset)
                    return nil
                }
                if let reason = pattern.neverMatchesReason {
                    report(.neverMatches(reason), offset: offset)
                } else if pattern.minimumLength > Comm.maxLength {
                    report(.patternTooLong(ByteText.display(text), minimumLength: pattern.minimumLength), offset: offset)
                }
                return .commPattern(pattern)
            }
            // Compared whole, as `pgrep -x` compares the name /proc shows.
            guard text.count > Comm.maxLength else { return .comm(Comm(text)) }
            if text.count > ProcessName.maxLength {
                report(.neverMatches("cmd '\(ByteText.display(text))' is \(text.count) bytes but /proc shows names of at most \(ProcessName.maxLength)"),
                       offset: offset)
            } else {
                let processName = ByteText.display(text.prefix(Comm.maxLength))
                report(.cmdTooLong(ByteText.display(text), length: text.count, processName: processName), offset: offset)
            }
            // No process's comm holds it, only a kernel thread's longer name:
            // a pattern of its literal bytes (it has no metacharacter) keeps
            // it out of the table's comm hash.
            return .commPattern(CommPattern(Array(text)))
        }
        if !text.isEmpty && text.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            var number: UInt64 = 0
            for digit in text {
                number = number * 10 + UInt64(digit - UInt8(ascii: "0"))
                if number > 4_294_967_294 {
                    report(.idOutOfRange(key, ByteText.display(text)), offset: offset)
                    return nil
                }
            }
            return .id(key, UInt32(number))
        }
        let isUser = key == .uid || key == .ruid
        if let name = String(validating: text, as: UTF8.self), !name.isEmpty {
            if let id = isUser ? accounts.userID(named: name) : accounts.groupID(named: name) {
                return .id(key, id)
            }
        }
        // Not a name a user or group could have: say what a value must be.
        let first = text.first ?? 0
        let looksNumeric = first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")
            || first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
        if text.isEmpty || looksNumeric || String(validating: text, as: UTF8.self) == nil {
            report(.invalidID(key, ByteText.display(text)), offset: offset)
        } else {
            let shown = ByteText.display(text)
            report(isUser ? .unknownUser(shown) : .unknownGroup(shown), offset: offset)
        }
        return nil
    }

    /// Calls `body` with the token's content, unescaped (copied only when
    /// it holds escapes).
    private static func withContent<R>(
        _ bytes: UnsafeBufferPointer<UInt8>, _ token: Token, _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        let raw = UnsafeBufferPointer(rebasing: bytes[token.contentStart..<token.contentEnd])
        guard token.hasEscapes else { return body(raw) }
        return unescape(raw).withUnsafeBufferPointer(body)
    }

    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\") && index + 1 < raw.count {
                out.append(raw[index + 1])
                index += 2
            } else {
                out.append(raw[index])
                index += 1
            }
        }
        return out
    }

    private static func key(_ bytes: UnsafeBufferPointer<UInt8>, _ token: Token) -> ConfigKey? {
        let word = UnsafeBufferPointer(rebasing: bytes[token.contentStart..<token.contentEnd])
        switch word.count {
        case 3:
            if word[1] != UInt8(ascii: "i") || word[2] != UInt8(ascii: "d") {
                if word.elementsEqual("cmd".utf8) { return .cmd }
                if word.elementsEqual("exe".utf8) { return .exe }
                return nil
            }
            if word[0] == UInt8(ascii: "u") { return .uid }
            if word[0] == UInt8(ascii: "g") { return .gid }
            return nil
        case 4:
            if word.elementsEqual("ruid".utf8) { return .ruid }
            if word.elementsEqual("rgid".utf8) { return .rgid }
            return nil
        case 8:
            return word.elementsEqual("loginuid".utf8) ? .loginuid : nil
        default:
            return nil
        }
    }

    /// Whether an unquoted token is `word`.
    private static func isWord(_ word: StaticString, _ bytes: UnsafeBufferPointer<UInt8>, _ token: Token) -> Bool {
        guard !token.quoted, !token.bad else { return false }
        return word.withUTF8Buffer { UnsafeBufferPointer(rebasing: bytes[token.contentStart..<token.contentEnd]).elementsEqual($0) }
    }

    mutating func finish() -> Compilation {
        if ruleCount == 0 && errorCount == 0 {
            line = 1
            lineStart = 0
            report(.emptyConfig, offset: 0)
        }
        let expansion = expandTemplates()
        // Handing the builder over in place (not a copy) lets the table
        // take its names and free its conditions once indexed.
        let table = errorCount == 0
            ? DecisionTable(taking: &builder, templates: expansion.specs, accounts: expansion.accounts, maxNamespaces: maxNamespaces)
            : nil
        builder = RuleBuilder(capacity: 0)
        return Compilation(table: table, diagnostics: diagnostics, ruleCount: ruleCount)
    }
}

/// Where each key of a rule stands (1-based column; nil: absent). Inline:
/// no allocation per rule.
struct KeyColumns {
    private var columns: (Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0)

    subscript(key: ConfigKey) -> Int? {
        get {
            let column = withUnsafeBytes(of: columns) { $0.load(fromByteOffset: Int(key.rawValue) * MemoryLayout<Int>.stride, as: Int.self) }
            return column == 0 ? nil : column
        }
        set {
            withUnsafeMutableBytes(of: &columns) {
                $0.storeBytes(of: newValue ?? 0, toByteOffset: Int(key.rawValue) * MemoryLayout<Int>.stride, as: Int.self)
            }
        }
    }

    /// The keys present.
    var templateKeys: Set<ConfigKey> { Set(ConfigKey.allCases.filter { self[$0] != nil }) }
}

/// A template as the compiler collected it, with where to point diagnostics.
struct ParsedTemplate {
    var rule: RuleTemplate
    /// Column of the name.
    var column: Int
    /// Columns of the `*` values.
    var starColumns: [Int]
    /// How many conditions precede the first `*` key's.
    var starPosition: Int
}
