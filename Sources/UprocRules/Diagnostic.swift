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
        case error, warning
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String
    /// What was found.
    public var kind: DiagnosticKind

    public init(_ kind: DiagnosticKind, at location: SourceLocation) {
        self.severity = kind.severity
        self.location = location
        self.message = kind.message
        self.kind = kind
    }
}
