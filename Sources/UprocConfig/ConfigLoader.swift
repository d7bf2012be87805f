import UprocAccounts
import UprocLinux
import UprocRules

/// Finds, reads and compiles the rules: an explicit path must exist; the
/// default path is optional, and without it the daemon runs on the rules
/// `uproc-genconf` would write.
package enum ConfigLoader {
    /// The rules `uprocd` runs on, compiled. `defaultPath` and
    /// `defaultAccounts` are parameters for tests: the daemon uses
    /// `/etc/uproc.conf` and `/etc/passwd` + `/etc/group`.
    package static func load(
        path: String?,
        defaultPath: String = DefaultPaths.config,
        defaultAccounts: AccountsSource = .systemFiles,
        accounts: any AccountResolver = SystemAccounts()
    ) throws(ConfigError) -> LoadedConfig {
        try compile(readSource(path: path, defaultPath: defaultPath, defaultAccounts: defaultAccounts), accounts: accounts)
    }

    /// The config's text: the file at `path`, else the one at `defaultPath`,
    /// else the built-in default generated from `defaultAccounts`.
    package static func readSource(
        path: String?,
        defaultPath: String = DefaultPaths.config,
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

    /// Compiles `source`, with the generator's warnings (accounts it
    /// skipped) first, as `uproc-genconf` prints them.
    package static func compile(
        _ source: ConfigSource, accounts: any AccountResolver, maxNamespaces: Int = DecisionTable.defaultMaxNamespaces
    ) throws(ConfigError) -> LoadedConfig {
        var loaded = try compile(source.file, accounts: accounts, maxNamespaces: maxNamespaces)
        loaded.warnings = source.warnings + loaded.warnings
        loaded.isBuiltIn = source.isBuiltIn
        return loaded
    }

    /// `maxNamespaces`: `uprocd --max-namespaces`, the bound of what
    /// templates may expand to (capped, with a warning, past it).
    package static func compile(
        _ source: SourceFile, accounts: any AccountResolver, maxNamespaces: Int = DecisionTable.defaultMaxNamespaces
    ) throws(ConfigError) -> LoadedConfig {
        let recording = RecordingAccounts(accounts)
        let compilation = RuleCompiler(accounts: recording, maxNamespaces: maxNamespaces).compile(source)
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
    package static func digest(of source: SourceFile, namesAccounts: Bool, accounts: AccountsSource) -> ConfigDigest {
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
