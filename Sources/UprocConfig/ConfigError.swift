import UprocLinux

package enum ConfigError: Error, CustomStringConvertible {
    case unreadable(FileReadError)
    /// Rendered diagnostics, exactly as `uproc-check` prints them.
    case invalid(diagnostics: String, errorCount: Int)
    case builtInDefault(String)
    /// It compiles, but to no rules: most likely a file caught mid-edit
    /// (`> /etc/uproc.conf`), and it would delete every namespace file.
    case empty(path: String)

    package var description: String {
        switch self {
        case .unreadable(let error): return error.description
        case .invalid(let diagnostics, _): return diagnostics
        case .builtInDefault(let message): return "cannot build the default rules: \(message)"
        case .empty(let path): return "\(path): no rules; refusing an empty config (uprocd --allow-empty runs on one)"
        }
    }
}
