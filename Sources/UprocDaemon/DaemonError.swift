import UprocConfig
import UprocLinux

/// Why the daemon could not start. Each case prints as the one line (or,
/// for diagnostics, the block) an administrator needs to fix it.
package enum DaemonError: Error, CustomStringConvertible {
    case config(ConfigError)
    case directory(NamespaceDirectoryError)
    case kernel(String)
    /// `/proc` cannot be opened or listed: every process would look gone.
    case proc(SystemCallError)
    /// The `--metrics-file` directory cannot be opened or is the namespace directory.
    case metrics(String)

    package var description: String {
        switch self {
        case .config(let error): return error.description
        case .directory(let error): return "\(error)"
        case .kernel(let message): return message
        case .proc(let error): return "cannot read /proc: \(error)"
        case .metrics(let message): return "cannot keep the metrics file: \(message)"
        }
    }
}
