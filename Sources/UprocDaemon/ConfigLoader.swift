import UprocAccounts
import UprocLinux
import UprocRules

/// A compiled configuration and where it came from.
package struct LoadedConfig: Sendable {
    package var table: DecisionTable
    /// A path, or `<built-in default>`.
    package var origin: String
    /// Warnings, each as `uproc-check` prints it (location, source line,
    /// caret), without the final newline.
    package var warnings: [String]
    /// Whether the rules name users or groups (`uid alice …`): then the
    /// accounts files matter to them too.
    package var namesAccounts = false
    /// The rules `uproc-genconf` prints, since no config file exists.
    package var isBuiltIn = false
    /// Of the bytes the rules were compiled from.
    var digest = ConfigDigest()
}

/// The text to compile, before compiling it.
struct ConfigSource {
    var file: SourceFile
    /// The generator's warnings, for the built-in default.
    var warnings: [String] = []
    var isBuiltIn = false
}

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

/// Finds, reads and compiles the rules: an explicit path must exist; the
/// default path is optional, and without it the daemon runs on the rules
/// `uproc-genconf` would write.
package enum ConfigLoader {
    ///
    /// `defaultPath` and `defaultAccounts` are parameters for tests: the
    /// daemon uses `/etc/uproc.conf` and `/etc/passwd` + `/etc/group`.
    package static func load(
        path: String?,
        defaultPath: String = DaemonOptions.defaultConfigPath,
        defaultAccounts: AccountsSource = .systemFiles,
        accounts: any AccountResolver = SystemAccounts()
    ) throws(ConfigError) -> LoadedConfig {
        let source = try readSource(path: path, defaultPath: defaultPath, defaultAccounts: defaultAccounts)
        var loaded = try compile(source.file, accounts: accounts)
        // The generator's warnings (accounts it skipped) come first, as
        // `uproc-genconf` prints them.
        loaded.warnings = source.warnings + loaded.warnings
        loaded.isBuiltIn = source.isBuiltIn
        return loaded
    }

    /// The config's text: the file at `path`, else the one at `defaultPath`,
    /// else the built-in default generated from `defaultAccounts`.
    static func readSource(
        path: String?,
        defaultPath: String = DaemonOptions.defaultConfigPath,
        defaultAccounts: AccountsSource = .systemFiles
    ) throws(ConfigError) -> ConfigSource {
        // The same choice `uproc-check` makes, so it checks what the daemon runs.
        if case .file(let chosen) = RulesSource.choose(path: path, defaultPath: defaultPath) {
            return ConfigSource(file: try read(chosen))
        }
        do {
            let builtIn = try StarterConfig.systemDefault(from: defaultAccounts)
            return ConfigSource(file: builtIn.source, warnings: builtIn.warnings, isBuiltIn: true)
        } catch {
            throw .builtInDefault("\(error)")
        }
    }

    static func read(_ path: String) throws(ConfigError) -> SourceFile {
        do {
            return SourceFile(path: path, bytes: try FileReading.read(path, limit: SourceFile.maxSize))
        } catch {
            throw .unreadable(error)
        }
    }

    package static func compile(_ source: SourceFile, accounts: any AccountResolver) throws(ConfigError) -> LoadedConfig {
        let recording = RecordingAccounts(accounts)
        let compilation = RuleCompiler(accounts: recording).compile(source)
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
        // The daemon never shows a rule's line: 4 bytes a rule it need not keep.
        var loaded = LoadedConfig(table: table.withoutSourceLines(), origin: source.path, warnings: warnings)
        loaded.namesAccounts = recording.wasAsked
        return loaded
    }
}

extension ConfigLoader {
    /// The digest of what rules compiled from `source` depend on: its bytes,
    /// and the accounts files' when the rules name users or groups (a user
    /// renamed in passwd changes what `uid alice` means). An unreadable
    /// accounts file counts as empty: its return changes the digest.
    static func digest(of source: SourceFile, namesAccounts: Bool, accounts: AccountsSource) -> ConfigDigest {
        var digest = ConfigDigest()
        digest.add(source.bytes)
        if namesAccounts, case .files(let passwd, let group) = accounts {
            for path in [passwd, group] {
                digest.add((try? FileReading.read(path, limit: StarterConfig.fileLimit)) ?? [])
            }
        }
        return digest
    }
}
