/// Compiles `uproc.conf` text into a `DecisionTable`, reporting every
/// problem of every line (not only the first) with its position.
package struct RuleCompiler: Sendable {
    package let accounts: any AccountResolver

    package init(accounts: any AccountResolver = StaticAccounts()) {
        self.accounts = accounts
    }

    package func compile(_ source: SourceFile) -> Compilation {
        if source.bytes.count > SourceFile.maxSize {
            let location = SourceLocation(path: source.path, line: 1, column: 1)
            return Compilation(
                table: nil, diagnostics: [Diagnostic(.fileTooLarge(source.bytes.count), at: location)], ruleCount: 0)
        }
        var state = CompilerState(path: source.path, accounts: accounts)
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
private struct CompilerState {
    let path: String
    let accounts: any AccountResolver
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

    init(path: String, accounts: any AccountResolver) {
        self.path = path
        self.accounts = accounts
        tokens.reserveCapacity(16)
    }

    mutating func reserve(rules: Int) {
        builder = RuleBuilder(capacity: rules)
    }

    mutating func report(_ kind: DiagnosticKind, offset: Int) {
        let location = SourceLocation(path: path, line: line, column: offset - lineStart + 1)
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
        var keyColumns: (Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0)
        var nameToken: Token?
        var index = 0
        while true {
            let remaining = tokens.count - index
            if remaining == 0 {
                report(.missingName, offset: tokens[tokens.count - 1].end)
                break
            }
            if remaining == 1 && index > 0 {
                nameToken = tokens[index]
                break
            }
            let keyToken = tokens[index]
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
            if let first = Self.column(of: key, in: keyColumns) {
                report(.duplicateKey(key, firstColumn: first), offset: keyToken.start)
                continue
            }
            Self.setColumn(column, of: key, in: &keyColumns)
            guard !valueToken.bad else { continue }
            let condition = Self.withContent(bytes, valueToken) { text in
                value(for: key, text, at: valueToken.start)
            }
            if let condition { builder.conditions.append(condition) }
        }
        var defined = false
        if let nameToken, !nameToken.bad {
            defined = Self.withContent(bytes, nameToken) { define($0, at: nameToken.start) }
        }
        if defined {
            builder.endRule()
        } else {
            builder.conditions.removeSubrange(firstCondition...)
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

    private static func key(_ bytes: UnsafeBufferPointer<UInt8>, _ token: Token) -> RuleKey? {
        let word = UnsafeBufferPointer(rebasing: bytes[token.contentStart..<token.contentEnd])
        switch word.count {
        case 3:
            if word[1] != UInt8(ascii: "i") || word[2] != UInt8(ascii: "d") {
                if word.elementsEqual("cmd".utf8) { return .cmd }
                return nil
            }
            if word[0] == UInt8(ascii: "u") { return .uid }
            if word[0] == UInt8(ascii: "g") { return .gid }
            return nil
        case 4:
            if word.elementsEqual("ruid".utf8) { return .ruid }
            if word.elementsEqual("rgid".utf8) { return .rgid }
            return nil
        default:
            return nil
        }
    }

    private static func column(of key: RuleKey, in columns: (Int, Int, Int, Int, Int)) -> Int? {
        let column: Int
        switch key {
        case .uid: column = columns.0
        case .gid: column = columns.1
        case .ruid: column = columns.2
        case .rgid: column = columns.3
        case .cmd: column = columns.4
        }
        return column == 0 ? nil : column
    }

    private static func setColumn(_ column: Int, of key: RuleKey, in columns: inout (Int, Int, Int, Int, Int)) {
        switch key {
        case .uid: columns.0 = column
        case .gid: columns.1 = column
        case .ruid: columns.2 = column
        case .rgid: columns.3 = column
        case .cmd: columns.4 = column
        }
    }

    mutating func finish() -> Compilation {
        if ruleCount == 0 && errorCount == 0 {
            line = 1
            lineStart = 0
            report(.emptyConfig, offset: 0)
        }
        // Handing the builder over in place (not a copy) lets the table
        // take its names and free its conditions once indexed.
        let table = errorCount == 0 ? DecisionTable(taking: &builder) : nil
        builder = RuleBuilder(capacity: 0)
        return Compilation(table: table, diagnostics: diagnostics, ruleCount: ruleCount)
    }
}
