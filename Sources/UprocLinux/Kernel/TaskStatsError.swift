import SystemPackage

/// Why the kernel's exit records cannot be had. The daemon then accounts
/// from `/proc` samples alone (processes shorter than an interval go
/// uncounted) and says so.
package enum TaskStatsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A socket call failed.
    case system(SystemCallError)
    /// The kernel has no taskstats family (built without CONFIG_TASKSTATS).
    case familyMissing
    /// The kernel refused the registration: EPERM without CAP_NET_ADMIN,
    /// EINVAL from a non-initial user or PID namespace (a container).
    case refused(errno: Errno)
    /// The kernel did not answer in time.
    case noAnswer

    /// The kernel refused for want of privilege.
    package var isNotPermitted: Bool {
        switch self {
        case .refused(let errno): return errno == .notPermitted
        case .system(let error): return error.errno == .notPermitted
        case .familyMissing, .noAnswer: return false
        }
    }

    package var description: String {
        switch self {
        case .system(let error):
            return "taskstats: \(error)"
        case .familyMissing:
            return "taskstats: the kernel has no taskstats family (CONFIG_TASKSTATS)"
        case .refused(let errno) where errno == .notPermitted:
            return "taskstats: the kernel refused the registration for exit records: \(errno.description); "
                + "they need CAP_NET_ADMIN (run uprocd as root, or give it the capability: AmbientCapabilities=CAP_NET_ADMIN)"
        case .refused(let errno) where errno == .invalidArgument:
            return "taskstats: the kernel refused the registration for exit records: \(errno.description); "
                + "it takes listeners in the initial user and PID namespaces only (not in a container)"
        case .refused(let errno):
            return "taskstats: the kernel refused the registration for exit records: \(errno.description)"
        case .noAnswer:
            return "taskstats: the kernel did not answer"
        }
    }
}

/// What one `TaskStatsListener.drain` did.
package struct TaskStatsDrainResult: Hashable, Sendable {
    /// Exit records decoded and passed on.
    package var records: Int
    /// The kernel dropped records (ENOBUFS) since the last drain.
    package var overrun: Bool
    /// A receive error other than EAGAIN/ENOBUFS that ended the drain.
    package var error: SystemCallError?
    /// The drain's time budget ran out: more may be queued.
    package var more: Bool

    package init(records: Int = 0, overrun: Bool = false, error: SystemCallError? = nil, more: Bool = false) {
        self.records = records
        self.overrun = overrun
        self.error = error
        self.more = more
    }
}

/// Running totals since the listener was opened.
package struct TaskStatsStatistics: Hashable, Sendable {
    /// Datagrams from the kernel.
    package var datagrams: Int = 0
    /// Exit records decoded from them.
    package var records: Int = 0
    /// Datagrams from anyone but the kernel, dropped unread.
    package var foreignDatagrams: Int = 0
    /// ENOBUFS reports: times the kernel dropped records for us.
    package var overruns: Int = 0

    package init() {}
}
