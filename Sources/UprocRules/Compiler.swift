// CONTRACT (issue 2 implements): the public surface the CLIs and daemon use.

/// A configuration's text and the name to print in diagnostics.
public struct SourceFile: Sendable {
    /// Files larger than this are refused rather than read.
    public static let maxSize = 64 << 20

    public let path: String
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }
}

/// Resolves user and group names in rules (`uid alice ns`) at compile time.
public protocol AccountResolver: Sendable {
    func userID(named name: String) -> UInt32?
    func groupID(named name: String) -> UInt32?
}

/// A resolver that knows fixed names; tests and the embedded defaults use it.
public struct StaticAccounts: AccountResolver {
    public var users: [String: UInt32]
    public var groups: [String: UInt32]

    public init(users: [String: UInt32] = [:], groups: [String: UInt32] = [:]) {
        self.users = users
        self.groups = groups
    }

    public func userID(named name: String) -> UInt32? { users[name] }
    public func groupID(named name: String) -> UInt32? { groups[name] }
}

public struct SourceLocation: Hashable, Sendable, Comparable {
    public var path: String
    /// 1-based.
    public var line: Int
    /// 1-based, in bytes.
    public var column: Int

    public init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

public struct Diagnostic: Hashable, Sendable {
    public enum Severity: String, Hashable, Sendable {
        case error, warning, note
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String

    public init(severity: Severity, location: SourceLocation, message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }
}

/// The result of compiling one source.
public struct Compilation: Sendable {
    /// The table, or nil when any error was found.
    public let table: DecisionTable?
    /// All errors and warnings, in source order.
    public let diagnostics: [Diagnostic]
    /// Number of rules read (also when there were errors).
    public let ruleCount: Int

    public init(table: DecisionTable?, diagnostics: [Diagnostic], ruleCount: Int) {
        self.table = table
        self.diagnostics = diagnostics
        self.ruleCount = ruleCount
    }

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
}

public struct RuleCompiler: Sendable {
    public let accounts: any AccountResolver

    public init(accounts: any AccountResolver = StaticAccounts()) {
        self.accounts = accounts
    }

    public func compile(_ source: SourceFile) -> Compilation {
        fatalError("RuleCompiler.compile: issue 2")
    }
}

/// Formats diagnostics as compilers do:
/// `file:line:col: error: message`, the source line, a caret under the column.
public enum DiagnosticRenderer {
    public static func render(_ diagnostic: Diagnostic, in source: SourceFile) -> String {
        "\(diagnostic.location.path):\(diagnostic.location.line):\(diagnostic.location.column): \(diagnostic.severity.rawValue): \(diagnostic.message)"
    }
}
