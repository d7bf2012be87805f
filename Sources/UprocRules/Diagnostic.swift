package struct SourceLocation: Hashable, Sendable, Comparable {
    package var path: String
    /// 1-based.
    package var line: Int
    /// 1-based, in bytes.
    package var column: Int

    package init(path: String, line: Int, column: Int) {
        self.path = path
        self.line = line
        self.column = column
    }

    package static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

package struct Diagnostic: Hashable, Sendable {
    package enum Severity: String, Hashable, Sendable {
        case error, warning
    }

    package var severity: Severity
    package var location: SourceLocation
    package var message: String
    /// What was found.
    package var kind: DiagnosticKind

    package init(_ kind: DiagnosticKind, at location: SourceLocation) {
        self.severity = kind.severity
        self.location = location
        self.message = kind.message
        self.kind = kind
    }
}
