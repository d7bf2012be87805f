import Logging

/// Counters an administrator can ask for with SIGUSR1.
struct DaemonStatistics {
    var events = 0
    var overruns = 0
    var rescans = 0
    var publishes = 0
    var publishFailures = 0
    var procReads = 0
    /// Rounds followed by a pause because events came in a burst.
    var pauses = 0

    var metadata: Logger.Metadata {
        [
            "events": "\(events)",
            "overruns": "\(overruns)",
            "rescans": "\(rescans)",
            "publishes": "\(publishes)",
            "publish_failures": "\(publishFailures)",
            "proc_reads": "\(procReads)",
            "pauses": "\(pauses)",
        ]
    }
}
