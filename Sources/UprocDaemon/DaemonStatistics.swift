/// Where the daemon's parts count; `DaemonCounters` lists what is shown
/// (SIGUSR1, the `stopped` line, the metrics file).
struct DaemonStatistics {
    var events = 0
    var overruns = 0
    /// Receive errors other than ENOBUFS; each is followed by a rescan.
    var receiveErrors = 0
    var rescans = 0
    /// Rescans that could not list `/proc`: the files were left as they were.
    var scanFailures = 0
    var publishes = 0
    var publishFailures = 0
    var procReads = 0
    /// Holds of the kernel's socket in a storm of events (`BurstHold`).
    var pauses = 0
    /// Events received by type (the metrics' `uproc_events_total`).
    var eventTypes = EventCounts()
    /// Reloads by outcome, and when rules were last put in place.
    var reloads = ReloadCounts()
    /// Inherited identities read from /proc after the window, and how many were wrong.
    var inheritanceChecks = 0
    var inheritanceCorrections = 0
    /// Leader threads that exited while other threads of their process ran.
    var leaderExits = 0
    /// Audits run, and the PIDs they found listed wrongly (drift: a bug or a lost event).
    var audits = 0
    /// Rewrites of large files held back by the publishing budget (coalesced).
    var publishDeferrals = 0
    var drift = 0
    /// Namespace files (or the whole directory) restored after someone else changed them.
    var repairs = 0
    /// Messages to `$NOTIFY_SOCKET` dropped (its queue full, or the send failed).
    var notifyDrops = 0
}
