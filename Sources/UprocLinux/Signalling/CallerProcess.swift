import Glibc

/// Facts of the calling process that a client of the daemon needs.
package enum CallerProcess {
    /// This process's ID. The corresponding C function is `getpid`.
    package static var processID: Int32 { getpid() }

    /// The effective user ID. The corresponding C function is `geteuid`.
    package static var effectiveUserID: UInt32 { geteuid() }

    /// Raises the soft limit on open files to the hard limit, for a caller
    /// that holds one descriptor per process; returns the new soft limit.
    /// The corresponding C functions are `getrlimit` and `setrlimit`.
    @discardableResult
    package static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return UInt64(raised.rlim_cur) }
        }
        return UInt64(limit.rlim_cur)
    }
}
