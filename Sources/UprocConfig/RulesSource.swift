import UprocLinux

/// Which rules `uprocd` runs on: the file given with `-c`, else
/// `/etc/uproc.conf` when it exists, else the built-in default
/// (`StarterConfig.systemDefault`). `uproc-check` asks the same question
/// when given no file, so that it checks exactly what the daemon would run.
package enum RulesSource: Hashable, Sendable {
    case file(String)
    case builtInDefault

    /// `defaultPath` is a parameter for tests.
    package static func choose(path: String?, defaultPath: String = DefaultPaths.config) -> RulesSource {
        if let path { return .file(path) }
        return FileStatus.exists(defaultPath) ? .file(defaultPath) : .builtInDefault
    }
}
