import UprocAccounts
import UprocLinux
import UprocRules

/// A compiled configuration and where it came from.
public struct LoadedConfig: Sendable {
    public var table: DecisionTable
    /// A path, or `<built-in default>`.
    public var origin: String
    /// Warnings, rendered as `uproc-check` prints them.
    public var warnings: [String]
}

public enum ConfigError: Error, CustomStringConvertible {
    case unreadable(FileReadError)
    /// Rendered diagnostics, exactly as `uproc-check` prints them.
    case invalid(diagnostics: String, errorCount: Int)
    case builtInDefault(String)

    public var description: String {
        switch self {
        case .unreadable(let error): return error.description
        case .invalid(let diagnostics, _): return diagnostics
        case .builtInDefault(let message): return "cannot build the default rules: \(message)"
        }
    }
}

/// Finds, reads and compiles the rules: an explicit path must exist; the
/// default path is optional, and without it the daemon runs on the rules
/// `uproc-genconf` would write.
public enum ConfigLoader {
    public static func load(path: String?, accounts: any AccountResolver = SystemAccounts()) throws(ConfigError) -> LoadedConfig {
        let source: SourceFile
        if let path {
            source = try read(path)
        } else if FileStatus.exists(DaemonOptions.defaultConfigPath) {
            source = try read(DaemonOptions.defaultConfigPath)
        } else {
            do {
                source = try StarterConfig.systemDefault().source
            } catch {
                throw .builtInDefault("\(error)")
            }
        }
        return try compile(source, accounts: accounts)
    }

    static func read(_ path: String) throws(ConfigError) -> SourceFile {
        do {
            return SourceFile(path: path, bytes: try FileReading.read(path, limit: SourceFile.maxSize))
        } catch {
            throw .unreadable(error)
        }
    }

    public static func compile(_ source: SourceFile, accounts: any AccountResolver) throws(ConfigError) -> LoadedConfig {
        let compilation = RuleCompiler(accounts: accounts).compile(source)
        let rendered = compilation.diagnostics.map { DiagnosticRenderer.render($0, in: source) }
        guard let table = compilation.table else {
            throw .invalid(diagnostics: rendered.joined(separator: "\n"), errorCount: compilation.errorCount)
        }
        let warnings = zip(compilation.diagnostics, rendered).filter { $0.0.severity == .warning }.map(\.1)
        return LoadedConfig(table: table, origin: source.path, warnings: warnings)
    }
}
