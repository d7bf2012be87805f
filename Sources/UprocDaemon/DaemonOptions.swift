import UprocAccounts
import UprocConfig
import UprocRules

/// Everything `uprocd` can be told on its command line.
package struct DaemonOptions: Sendable {
    /// The rules file. `nil`: `/etc/uproc.conf` when it exists, else the
    /// built-in default (what `uproc-genconf` prints for this machine).
    package var configPath: String?
    /// The directory of namespace files.
    package var directory: String
    /// Netlink receive buffer to ask the kernel for, in bytes.
    package var netlinkReceiveBuffer: Int
    /// A namespace file is rewritten at most once per this many nanoseconds.
    package var minimumInterval: UInt64
    /// The Prometheus text file to keep (`--metrics-file`); nil: none.
    package var metricsFile: String?
    /// At most this many namespaces get a `uproc_namespace_processes`
    /// series: those with the most processes.
    package var metricsNamespaces = DaemonOptions.defaultMetricsNamespaces
    /// The metrics file is rewritten at most once per this many nanoseconds.
    package var metricsInterval = UInt64(DaemonOptions.defaultMetricsIntervalSeconds) * 1_000_000_000
    /// Nanoseconds between audits (a `/proc` rescan that corrects and counts
    /// drift); 0: no audits.
    package var auditInterval: UInt64 = UInt64(DaemonOptions.defaultAuditIntervalSeconds) * 1_000_000_000
    /// Namespaces accounted whatever their size (`--account NAME`), besides
    /// the ones the metrics file exports.
    package var accountedNames: [String] = []
    /// Account from `/proc` samples alone, without the kernel's exit
    /// records (`--no-exit-records`): processes shorter than
    /// `metricsInterval` are not counted.
    package var noExitRecords = false
    /// Run on a config with no rules (`--allow-empty`); otherwise one is an
    /// error at start and refused at reload.
    package var allowEmpty = false
    /// The accounts files the built-in default is generated from, and whose
    /// changes reload rules that name users or groups. Only tests change it
    /// (uprocd's hidden `--accounts-files PASSWD:GROUP`).
    package var accountsFiles = AccountsSource.systemFiles
    /// At most this many namespaces at once, the rules' and their
    /// templates' together (`--max-namespaces`): a template that would make
    /// more is capped and logged, so a fork bomb of random command names
    /// cannot grow memory without bound.
    package var maxNamespaces = DaemonOptions.defaultMaxNamespaces

    package static let defaultReceiveBuffer = 8 << 20
    package static let defaultMinimumIntervalMilliseconds = 5
    package static let defaultMetricsNamespaces = 1000
    package static let defaultMetricsIntervalSeconds = 5
    package static let defaultAuditIntervalSeconds = 180
    package static let defaultMaxNamespaces = DecisionTable.defaultMaxNamespaces

    /// Whether any namespace is accounted: the metrics file exports some,
    /// or `--account` names one. Otherwise accounting costs nothing.
    package var accounts: Bool {
        !accountedNames.isEmpty || (metricsFile != nil && metricsNamespaces > 0)
    }

    package init(
        configPath: String? = nil,
        directory: String = DefaultPaths.directory,
        netlinkReceiveBuffer: Int = DaemonOptions.defaultReceiveBuffer,
        minimumInterval: UInt64 = UInt64(DaemonOptions.defaultMinimumIntervalMilliseconds) * 1_000_000
    ) {
        self.configPath = configPath
        self.directory = directory
        self.netlinkReceiveBuffer = netlinkReceiveBuffer
        self.minimumInterval = minimumInterval
    }
}
