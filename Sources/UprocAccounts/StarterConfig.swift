import UprocLinux
import UprocRules

/// An accounts file that could not be read: generation stops, since a
/// config missing every account of one kind would look valid but be wrong.
package struct AccountsReadError: Error, Hashable, Sendable, CustomStringConvertible {
    package var underlying: FileReadError

    package init(_ underlying: FileReadError) {
        self.underlying = underlying
    }

    package var description: String { underlying.description }
}

/// The generator over the system: reads the accounts files (or the name
/// service), then runs `ConfigGenerator`.
package enum StarterConfig {
    /// Accounts files larger than this are refused (a passwd line is about
    /// 60 bytes: a million accounts fit).
    package static let fileLimit = 256 << 20

    /// The path `systemDefault()`'s source carries in diagnostics.
    package static let builtInPath = "<built-in default>"

    /// Reads the accounts `options` ask for from `source` (a path of `-` is
    /// standard input, shown as `<stdin>`) and generates.
    /// The group file is not read with `--users-only`, nor passwd with
    /// `--groups-only`.
    package static func generate(from source: AccountsSource, options: GeneratorOptions) throws(AccountsReadError)
        -> GeneratedConfig
    {
        var parsed: [AccountKind: ParsedAccounts] = [:]
        for kind in [AccountKind.user, .group] where options.includes(kind) {
            switch source {
            case .files(let passwd, let group):
                let path = kind == .user ? passwd : group
                let bytes: [UInt8]
                do { bytes = try FileReading.read(path, limit: fileLimit) } catch { throw AccountsReadError(error) }
                parsed[kind] = AccountsFile.parse(bytes, path: displayPath(path), kind: kind)
            case .nameService:
                parsed[kind] = nameServiceAccounts(kind)
            }
        }
        let shown: AccountsSource
        switch source {
        case .files(let passwd, let group): shown = .files(passwd: displayPath(passwd), group: displayPath(group))
        case .nameService: shown = .nameService
        }
        return ConfigGenerator.generate(users: parsed[.user], groups: parsed[.group], source: shown, options: options)
    }

    /// How warnings and the header name a file: `-` is standard input.
    package static func displayPath(_ path: String) -> String {
        path == "-" ? "<stdin>" : path
    }

    /// Every account NSS enumerates, in its order.
    package static func nameServiceAccounts(_ kind: AccountKind) -> ParsedAccounts {
        let origin = AccountsSource.nameServiceOrigin(kind)
        let entries = kind == .user ? NameServiceEnumeration.users() : NameServiceEnumeration.groups()
        return ParsedAccounts(entries: entries.map { AccountEntry(name: $0.nameBytes, id: $0.id, origin: origin) })
    }

    /// The daemon's rules when no config file exists: exactly what
    /// `uproc-genconf` with no options prints, from `/etc/passwd` and
    /// `/etc/group`, as a source named `<built-in default>`, with the
    /// generator's warnings (`file:line: warning: …`).
    /// `from` is for tests; the daemon reads the system's files.
    package static func systemDefault(from accounts: AccountsSource = .systemFiles) throws(AccountsReadError)
        -> (source: SourceFile, warnings: [String])
    {
        let builtIn = try builtInDefault(from: accounts)
        return (builtIn.source, builtIn.warnings.map(\.description))
    }

    /// `systemDefault` with its warnings as values (`uproc-check` words
    /// them as errors under `--werror`).
    package static func builtInDefault(from accounts: AccountsSource = .systemFiles) throws(AccountsReadError)
        -> (source: SourceFile, warnings: [AccountWarning])
    {
        let config = try generate(from: accounts, options: GeneratorOptions())
        return (SourceFile(path: builtInPath, text: config.text), config.warnings)
    }
}
