import UprocConfig
import UprocLinux
import UprocRules

/// Why nothing was signalled at all: found before the first signal.
package enum KillError: Error, Sendable {
    /// The namespace directory cannot be opened (missing, a symlink, not a directory).
    case directoryUnusable(path: String, SystemCallError)
    /// The directory is there but not trusted.
    case directoryUntrusted(path: String, FileTrust.Problem)
    /// Not a name `uprocd` could have written (empty, `/`, leading `.` …).
    case invalidNamespaceName(String, NamespaceName.Problem)
    /// No file for the namespace in the directory.
    case noSuchNamespace(name: String, directory: String)
    /// No file for the namespace, and no daemon holds the directory's lock:
    /// no uprocd serves it (not started, stopped, or given another directory).
    case notServed(directory: String, name: String)
    /// The namespace file cannot be opened or read.
    case namespaceUnreadable(name: String, path: String, SystemCallError)
    case namespaceTooLarge(name: String, path: String, limit: Int)
    /// The namespace file is there but not trusted.
    case namespaceUntrusted(name: String, path: String, FileTrust.Problem)
    /// The namespace file is not a list of PIDs.
    case namespaceMalformed(name: String, path: String, NamespaceList.Problem)
    /// The rules cannot be read or compiled.
    case config(ConfigError)
    /// The file exists but the rules (`origin`) have no such namespace: they
    /// are not the rules the daemon runs on, and membership cannot be checked.
    case namespaceNotInRules(name: String, origin: String)
    /// The kernel has no `pidfd_open` (before Linux 5.3): without it a PID
    /// could be reused between the check and the signal.
    case pidfdUnsupported
    /// `/proc` cannot be opened: no identity could be checked.
    case procUnreadable(SystemCallError)
}
