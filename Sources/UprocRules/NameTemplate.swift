/// Every key a rule can have: the ones `RuleKey` names (IDs and the name,
/// which the hashed index serves) and the login UID and executable. A
/// template's name holds their values (`{user}` is the name of the `uid`
/// value, `{cmd}` the `cmd` value...).
package enum ConfigKey: UInt8, CaseIterable, Hashable, Sendable, Comparable {
    case uid, gid, ruid, rgid, loginuid, cmd, exe

    /// A key whose value is an account's ID, which `*` can stand for.
    package var isAccount: Bool { rawValue <= ConfigKey.loginuid.rawValue }

    /// Its IDs name users (`passwd`), not groups.
    package var namesUsers: Bool { self == .uid || self == .ruid || self == .loginuid }

    /// The key as a config writes it.
    package var word: String {
        switch self {
        case .uid: "uid"
        case .gid: "gid"
        case .ruid: "ruid"
        case .rgid: "rgid"
        case .loginuid: "loginuid"
        case .cmd: "cmd"
        case .exe: "exe"
        }
    }

    /// The fact the key reads.
    package var ruleKeys: RuleKeys {
        switch self {
        case .uid: .uid
        case .gid: .gid
        case .ruid: .ruid
        case .rgid: .rgid
        case .loginuid: .loginuid
        case .cmd: .cmd
        case .exe: .exe
        }
    }

    package static func < (lhs: ConfigKey, rhs: ConfigKey) -> Bool { lhs.rawValue < rhs.rawValue }

    package static func of(_ key: RuleKey) -> ConfigKey {
        switch key {
        case .uid: .uid
        case .gid: .gid
        case .ruid: .ruid
        case .rgid: .rgid
        case .cmd: .cmd
        }
    }

    /// The `RuleKey` it is, for the keys of plain conditions.
    package var ruleKey: RuleKey? {
        switch self {
        case .uid: .uid
        case .gid: .gid
        case .ruid: .ruid
        case .rgid: .rgid
        case .cmd: .cmd
        case .loginuid, .exe: nil
        }
    }
}

/// One `{...}` of a name: which key's value, in which form.
package struct Placeholder: Hashable, Sendable, CustomStringConvertible {
    package enum Form: Hashable, Sendable {
        /// The account's name (`{user}`), or the number when the ID has no account.
        case name
        /// The ID in decimal (`{uid}`).
        case number
        /// The value's bytes (`{cmd}`, `{exe}`).
        case text
    }

    package var key: ConfigKey
    package var form: Form

    package init(key: ConfigKey, form: Form) {
        self.key = key
        self.form = form
    }

    /// `{user}`.
    package var description: String {
        switch (key, form) {
        case (.uid, .name): "{user}"
        case (.ruid, .name): "{ruser}"
        case (.gid, .name): "{group}"
        case (.rgid, .name): "{rgroup}"
        case (.loginuid, .name): "{loginuser}"
        default: "{\(key.word)}"
        }
    }
}

/// A placeholder as written, before the rule's keys say which key it means
/// (`{user}` is the `uid` value, or the `ruid` one in a rule without `uid`,
/// or in a rule on neither the login UID's: `loginuid * login.{user}`).
struct PlaceholderWord: Hashable, Sendable {
    /// The keys it may mean, in order of preference.
    var keys: [ConfigKey]
    var form: Placeholder.Form
    var word: String

    /// Every placeholder the language knows.
    static func named(_ word: String) -> PlaceholderWord? {
        switch word {
        case "user": PlaceholderWord(keys: [.uid, .ruid, .loginuid], form: .name, word: word)
        case "uid": PlaceholderWord(keys: [.uid, .ruid, .loginuid], form: .number, word: word)
        case "group": PlaceholderWord(keys: [.gid, .rgid], form: .name, word: word)
        case "gid": PlaceholderWord(keys: [.gid, .rgid], form: .number, word: word)
        case "ruser": PlaceholderWord(keys: [.ruid], form: .name, word: word)
        case "ruid": PlaceholderWord(keys: [.ruid], form: .number, word: word)
        case "rgroup": PlaceholderWord(keys: [.rgid], form: .name, word: word)
        case "rgid": PlaceholderWord(keys: [.rgid], form: .number, word: word)
        case "loginuser": PlaceholderWord(keys: [.loginuid], form: .name, word: word)
        case "loginuid": PlaceholderWord(keys: [.loginuid], form: .number, word: word)
        case "cmd": PlaceholderWord(keys: [.cmd], form: .text, word: word)
        case "exe": PlaceholderWord(keys: [.exe], form: .text, word: word)
        default: nil
        }
    }

    /// The names, for messages.
    static let all = "{user} {uid} {group} {gid} {ruser} {ruid} {rgroup} {rgid} {loginuser} {loginuid} {cmd} {exe}"
}

/// A namespace name with `{...}` placeholders: `uid.{user}`, `py.{cmd}`.
/// `{{` and `}}` stand for literal braces.
package struct NameTemplate: Hashable, Sendable, CustomStringConvertible {
    package enum Element: Hashable, Sendable {
        case literal([UInt8])
        case placeholder(Placeholder)
    }

    package let elements: [Element]

    package init(elements: [Element]) {
        var merged: [Element] = []
        for element in elements {
            if case .literal(let bytes) = element, case .literal(let previous)? = merged.last {
                merged[merged.count - 1] = .literal(previous + bytes)
            } else if element != .literal([]) {
                merged.append(element)
            }
        }
        self.elements = merged
    }

    /// A name without placeholders.
    package init(literal: [UInt8]) { self.init(elements: [.literal(literal)]) }

    package var placeholders: [Placeholder] {
        elements.compactMap { if case .placeholder(let placeholder) = $0 { placeholder } else { nil } }
    }

    package var isTemplate: Bool { !placeholders.isEmpty }

    /// The template as a config writes it (braces in literals doubled).
    package var sourceBytes: [UInt8] {
        var out: [UInt8] = []
        for element in elements {
            switch element {
            case .literal(let bytes):
                for byte in bytes {
                    out.append(byte)
                    if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}") { out.append(byte) }
                }
            case .placeholder(let placeholder):
                out += Array(placeholder.description.utf8)
            }
        }
        return out
    }

    package var description: String { ByteText.display(sourceBytes) }

    /// A problem in a name's braces, at a byte offset of the name.
    enum ParseProblem: Error, Equatable {
        case unknownPlaceholder(String, offset: Int)
        case unterminated(offset: Int)
    }

    /// The elements of a name as written; placeholders as words, not yet
    /// tied to the rule's keys.
    enum RawElement: Equatable {
        case literal([UInt8])
        case placeholder(PlaceholderWord, offset: Int)
    }

    /// Splits `bytes` into literals and placeholders. A placeholder is `{`,
    /// lower-case letters, `}`; `{{` is a literal `{`; any other brace is
    /// literal (names such as `a{1}` or `x}` mean what they always did).
    /// `{word}` of an unknown word, and a known word without its `}`, are
    /// errors: a typo must not silently name a file.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<[RawElement], ParseProblem> {
        var elements: [RawElement] = []
        var literal: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "{") else {
                literal.append(byte)
                index += 1
                continue
            }
            if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "{") {
                literal.append(byte)
                index += 2
                continue
            }
            var end = index + 1
            while end < bytes.count && bytes[end] >= UInt8(ascii: "a") && bytes[end] <= UInt8(ascii: "z") { end += 1 }
            let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[(index + 1)..<end]), as: UTF8.self)
            if end < bytes.count && bytes[end] == UInt8(ascii: "}") && end > index + 1 {
                guard let placeholder = PlaceholderWord.named(word) else {
                    return .failure(.unknownPlaceholder(word, offset: index))
                }
                if !literal.isEmpty { elements.append(.literal(literal)) }
                literal = []
                elements.append(.placeholder(placeholder, offset: index))
                index = end + 1
            } else if PlaceholderWord.named(word) != nil {
                return .failure(.unterminated(offset: index))
            } else {
                literal.append(byte)
                index += 1
            }
        }
        if !literal.isEmpty { elements.append(.literal(literal)) }
        return .success(elements)
    }

    /// Whether `bytes`, written as a rule's name, reads back as exactly
    /// these bytes (no placeholder, no `{{`): what a generator may write
    /// without escaping.
    package static func readsBackAsItself(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard case .success(let elements) = parse(buffer) else { return false }
            return elements == (bytes.isEmpty ? [] : [.literal(bytes)])
        }
    }

    /// What is wrong with the literal parts as parts of a file name (the
    /// values are encoded: they can make no name invalid but by length).
    func literalProblem() -> NamespaceName.Problem? {
        var literalCount = 0
        for (position, element) in elements.enumerated() {
            guard case .literal(let bytes) = element else { continue }
            literalCount += bytes.count
            if position == 0 && bytes.first == UInt8(ascii: ".") { return .leadingDot }
            for byte in bytes {
                if byte == UInt8(ascii: "/") { return .slash }
                if byte <= 0x20 || byte == 0x7F { return .controlOrSpace(byte) }
            }
            if String(validating: bytes, as: UTF8.self) == nil { return .invalidUTF8 }
        }
        if literalCount > NamespaceName.maxLength { return .tooLong(literalCount) }
        return nil
    }

    /// The name for these values (`value` gives each placeholder's bytes),
    /// each value percent-encoded (see `NameEncoding`); nil when the name
    /// would be empty or over 255 bytes. Appends to `out`, which it empties first.
    package func expand(into out: inout [UInt8], _ value: (Placeholder, inout [UInt8]) -> Void) -> Bool {
        var scratch: [UInt8] = []
        return expand(into: &out, scratch: &scratch, value)
    }

    /// `expand` with a buffer for the values (reused: no allocation).
    package func expand(into out: inout [UInt8], scratch: inout [UInt8], _ value: (Placeholder, inout [UInt8]) -> Void) -> Bool {
        out.removeAll(keepingCapacity: true)
        for element in elements {
            switch element {
            case .literal(let bytes):
                out += bytes
            case .placeholder(let placeholder):
                scratch.removeAll(keepingCapacity: true)
                value(placeholder, &scratch)
                NameEncoding.append(scratch, to: &out)
            }
            if out.count > NamespaceName.maxLength { return false }
        }
        return !out.isEmpty
    }
}
