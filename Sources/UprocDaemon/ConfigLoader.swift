import UprocAccounts
import UprocLinux
import UprocRules

/// A compiled configuration and where it came from.
public struct LoadedConfig: Sendable {
    public var table: DecisionTable
    /// A path, or `<built-in default>`.
    public var origin: String
    /// Warnings, each as `uproc-check` prints it (location, source line,
    /// caret), without the final newline.
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
    ///
    /// `defaultPath` and `defaultAccounts` are parameters for tests: the
    /// daemon uses `/etc/uproc.conf` and `/etc/passwd` + `/etc/group`.
    public static func load(
        path: String?,
        defaultPath: String = DaemonOptions.defaultConfigPath,
        defaultAccounts: AccountsSource = .systemFiles,
        accounts: any AccountResolver = SystemAccounts()
    ) throws(ConfigError) -> LoadedConfig {
        if let path { return try compile(read(path), accounts: accounts) }
        if FileStatus.exists(defaultPath) { return try compile(read(defaultPath), accounts: accounts) }
        let builtIn: (source: SourceFile, warnings: [String])
        do {
            builtIn = try StarterConfig.systemDefault(from: defaultAccounts)
        } catch {
            throw .builtInDefault("\(error)")
        }
        // The generator's warnings (accounts it skipped) come first, as
        // `uproc-genconf` prints them.
        var loaded = try compile(builtIn.source, accounts: accounts)
        loaded.warnings = builtIn.warnings + loaded.warnings
        return loaded
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
        guard let table = compilation.table else {
            throw .invalid(diagnostics: DiagnosticRenderer.render(compilation.diagnostics, in: source), errorCount: compilation.errorCount)
        }
        // One log record each, as `uproc-check` prints it (location, source
        // line, caret): lines found in one pass over the source, at most 20
        // and a count of the rest.
        var warnings: [String] = []
        DiagnosticRenderer.forEachRendered(compilation.diagnostics.filter { $0.severity == .warning }, in: source) {
            var record = $0
            while record.hasSuffix("\n") { record.removeLast() }
            warnings.append(record)
        }
        return LoadedConfig(table: table, origin: source.path, warnings: warnings)
    }
}
