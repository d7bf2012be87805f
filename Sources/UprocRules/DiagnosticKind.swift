/// Everything the compiler can report, as values: tests match the kind,
/// users read `message`.
package enum DiagnosticKind: Hashable, Sendable {
    // Errors.
    /// A word where a key belongs that is not one.
    case unknownKey(String)
    /// A key at the end of the line, without a value.
    case missingValue(RuleKey)
    /// Key/value pairs without a namespace name after them.
    case missingName
    /// The same key twice in one rule; the column of the first.
    case duplicateKey(RuleKey, firstColumn: Int)
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

    // Warnings.
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
        case .cmdTooLong, .patternTooLong, .emptyConfig, .neverMatches: return .warning
        default: return .error
        }
    }

    package var message: String {
        switch self {
        case .unknownKey(let word):
            return "unknown key '\(word)' (expected uid, gid, ruid, rgid or cmd)"
        case .missingValue(let key):
            return "missing value after '\(key.rawValue)'"
        case .missingName:
            return "missing namespace name (a rule is one or more 'key value' pairs, then a name)"
        case .duplicateKey(let key, let firstColumn):
            return "key '\(key.rawValue)' appears twice in one rule (first at column \(firstColumn))"
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
