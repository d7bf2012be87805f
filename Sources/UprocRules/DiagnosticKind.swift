/// Everything the compiler can report, as values: tests match the kind,
/// users read `message`.
package enum DiagnosticKind: Hashable, Sendable {
    // Errors.
    /// A word where a key belongs that is not one.
    case unknownKey(String)
    /// A key at the end of the line, without a value.
    case missingValue(ConfigKey)
    /// Key/value pairs without a namespace name after them.
    case missingName
    /// The same key twice in one rule; the column of the first.
    case duplicateKey(ConfigKey, firstColumn: Int)
    /// An ID value that is neither a number nor a known name.
    case invalidID(RuleKey, String)
    /// A number above 4294967294 (4294967295 is the kernel's "no ID").
    case idOutOfRange(RuleKey, String)
    case unknownUser(String)
    case unknownGroup(String)
    /// A `"` without its closing `"` on the same line.
    case unterminatedQuote
    /// A backslash in a quoted string not followed by `"` or `\`.
    case invalidEscape(UInt8)
    /// `"abc"def`: a closing quote must end its word.
    case textAfterQuote
    /// A `[` in a `cmd` pattern without its `]`.
    case unterminatedBracket(String)
    case invalidName(String, NamespaceName.Problem)
    /// A second definition of a name; the line of the first.
    case duplicateName(String, firstLine: Int)
    case nulByte
    /// A control byte outside a comment.
    case invalidByte(UInt8)
    /// The source is over `SourceFile.maxSize`.
    case fileTooLarge(Int)
    /// `tree` after a key: it must start the rule.
    case treeNotFirst
    /// `tree NAME`: no conditions pick the roots.
    case treeWithoutRoots
    /// A `loginuid` value that is neither a number, a user, `unset` nor `*`.
    case invalidLoginUID(String)
    /// A `loginuid` number above 4294967295.
    case loginUIDOutOfRange(String)
    /// `uid *` (or another ID key) without a placeholder for its value in the name.
    case starWithoutPlaceholder(ConfigKey)
    /// `{word}` that is no placeholder.
    case unknownPlaceholder(String)
    /// A `{` and a placeholder's word without the `}`.
    case unterminatedPlaceholder
    /// A placeholder for a key the rule does not test.
    case placeholderWithoutKey(String)
    /// Two templates make the same name from different accounts: the line
    /// and account of the first, the account of this one.
    case expansionCollision(String, source: String, firstLine: Int, firstSource: String)
    /// Two templates whose names may be equal for some values (an example).
    case templatesMayCollide(firstLine: Int, example: String)
    /// The accounts an account template needs cannot be listed.
    case accountsNotListed(AccountDatabase)

    // Warnings.
    /// A template's accounts go past the namespace limit: `kept` of `total` made.
    case templateCapped(total: Int, kept: Int, limit: Int)
    /// Two accounts of one template give one name (a duplicate name in
    /// passwd or group): the first keeps it.
    case accountNameTaken(String, source: String, firstSource: String)
    /// No namespace for an account: its name would be over 255 bytes.
    case expansionTooLong(source: String)

    /// A `cmd` value over 15 bytes: only a kernel thread's name is that
    /// long (`processName`: what a process's comm keeps of it).
    case cmdTooLong(String, length: Int, processName: String)
    /// A `cmd` pattern that needs over 15 bytes: only a kernel thread's
    /// name is that long.
    case patternTooLong(String, minimumLength: Int)
    case emptyConfig
    /// A rule no process can satisfy, and why.
    case neverMatches(String)

    package var severity: Diagnostic.Severity {
        switch self {
        case .cmdTooLong, .patternTooLong, .emptyConfig, .neverMatches, .templateCapped, .accountNameTaken, .expansionTooLong: return .warning
        default: return .error
        }
    }

    package var message: String {
        switch self {
        case .unknownKey(let word):
            return "unknown key '\(word)' (expected uid, gid, ruid, rgid or cmd)"
        case .missingValue(let key):
            return "missing value after '\(key.word)'"
        case .missingName:
            return "missing namespace name (a rule is one or more 'key value' pairs, then a name)"
        case .duplicateKey(let key, let firstColumn):
            return "key '\(key.word)' appears twice in one rule (first at column \(firstColumn))"
        case .invalidID(let key, let text):
            let what = key == .uid || key == .ruid ? "user" : "group"
            return "invalid \(key.rawValue) '\(text)' (expected a number from 0 to 4294967294 or a \(what) name)"
        case .idOutOfRange(let key, let text):
            return "\(key.rawValue) \(text) is out of range (0 to 4294967294)"
        case .unknownUser(let name):
            return "unknown user '\(name)'"
        case .unknownGroup(let name):
            return "unknown group '\(name)'"
        case .unterminatedQuote:
            return "unterminated quoted string (no closing '\"' on this line)"
        case .invalidEscape(let byte):
            let shown = byte >= 0x20 && byte < 0x7F ? String(Unicode.Scalar(byte)) : ByteText.hex(byte)
            return "invalid escape '\\\(shown)' in quoted string (only \\\" and \\\\ are escapes)"
        case .textAfterQuote:
            return "expected a space after the closing '\"'"
        case .unterminatedBracket(let pattern):
            return "unterminated '[' in pattern '\(pattern)' (write '[[]' for a literal '[')"
        case .invalidName(let name, let problem):
            return "invalid namespace name '\(name)': \(problem)"
        case .duplicateName(let name, let firstLine):
            return "duplicate namespace '\(name)' (first defined on line \(firstLine))"
        case .nulByte:
            return "NUL byte (a configuration is text)"
        case .invalidByte(let byte):
            return "invalid byte \(ByteText.byteValue(byte)) (control bytes may only appear in comments)"
        case .fileTooLarge(let size):
            return "file is \(size) bytes, over the \(SourceFile.maxSize >> 20) MiB limit; refusing to read it"
        case .treeNotFirst:
            return "'tree' must be the first word of a rule"
        case .treeWithoutRoots:
            return "a tree rule needs conditions that pick its roots ('tree cmd sshd NAME')"
        case .invalidLoginUID(let text):
            return "invalid loginuid '\(text)' (expected a number from 0 to 4294967295, a user name, 'unset' or '*')"
        case .loginUIDOutOfRange(let text):
            return "loginuid \(text) is out of range (0 to 4294967295; 4294967295 is 'unset')"
        case .starWithoutPlaceholder(let key):
            let placeholders: String
            switch key {
            case .uid: placeholders = "{user} or {uid}"
            case .gid: placeholders = "{group} or {gid}"
            case .ruid: placeholders = "{ruser} or {ruid}"
            case .rgid: placeholders = "{rgroup} or {rgid}"
            default: placeholders = "{loginuser} or {loginuid}"
            }
            return "'\(key.word) *' stands for every account: the name must hold its value (\(placeholders))"
        case .unknownPlaceholder(let word):
            return "unknown placeholder '{\(word)}' (expected one of \(PlaceholderWord.all); '{{' is a literal '{')"
        case .unterminatedPlaceholder:
            return "placeholder without its closing '}' (write '{{' for a literal '{')"
        case .placeholderWithoutKey(let word):
            let words = PlaceholderWord.named(word)?.keys.map(\.word) ?? [word]
            let keys = words.count > 1 ? words.dropLast().joined(separator: ", ") + " or " + words.last! : words[0]
            return "placeholder '{\(word)}' stands for the value of \(keys), which this rule does not test"
        case .expansionCollision(let name, let source, let firstLine, let firstSource):
            return "this template makes namespace '\(name)' for \(source), as the template on line \(firstLine) does for \(firstSource)"
        case .templatesMayCollide(let firstLine, let example):
            return "this template may make the same name as the template on line \(firstLine) (such as '\(example)'): "
                + "give them different fixed parts"
        case .accountsNotListed(let database):
            return "cannot list the \(database == .users ? "users" : "groups") this template expands over"
        case .templateCapped(let total, let kept, let limit):
            return "this template makes \(total) namespaces, over the limit of \(limit) (--max-namespaces): "
                + "only the first \(kept) are made"
        case .expansionTooLong(let source):
            return "no namespace for \(source): its name would be over \(NamespaceName.maxLength) bytes"
        case .accountNameTaken(let name, let source, let firstSource):
            return "namespace '\(name)' for \(source) is already made for \(firstSource): the first account keeps it"
        case .cmdTooLong(let value, let length, let processName):
            return "cmd '\(value)' is \(length) bytes, but a process's comm holds at most \(Comm.maxLength) "
                + "('\(processName)'): only a kernel thread can have this name"
        case .patternTooLong(let pattern, let minimumLength):
            return "pattern '\(pattern)' needs at least \(minimumLength) bytes, but a process's comm holds at most "
                + "\(Comm.maxLength): only a kernel thread can match"
        case .emptyConfig:
            return "empty configuration: no rules, so no namespaces"
        case .neverMatches(let reason):
            return "this rule can never match: \(reason)"
        }
    }
}
