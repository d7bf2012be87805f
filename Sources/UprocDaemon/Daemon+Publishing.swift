import UprocLinux
import UprocRules

extension Daemon {
    /// Writes every changed namespace its rate allows; the others wait for
    /// the timer. The rate is a token bucket of two (GCRA): a quiet
    /// namespace is written the moment it changes, and again at once for its
    /// next change (a process that starts and soon ends shows both), while
    /// under a burst each file is rewritten once per `--min-interval`.
    func publishDue(now: UInt64) {
        guard tracker.hasChanges else { return }
        var nextDue = UInt64.max
        let interval = options.minimumInterval
        let table = tracker.table
        let fresh = directoryIsFresh
        directoryIsFresh = false
        tracker.publishChanged { id, pids in
            // The theoretical arrival time: when the bucket would be full.
            let arrival = publishArrival[Int(id.index)]
            if arrival > now &+ interval {
                nextDue = min(nextDue, arrival &- interval)
                return false
            }
            do {
                if fresh && pids.isEmpty {
                    // The directory was just emptied: one mknodat, no temp file.
                    try directory.publishEmptyNew(table.name(of: id))
                } else {
                    try directory.publish(table.name(of: id), pids: pids)
                }
                statistics.publishes &+= 1
                publishArrival[Int(id.index)] = max(arrival, now) &+ interval
                return true
            } catch {
                // Keep it changed: the next round tries again.
                statistics.publishFailures &+= 1
                logger.error("cannot write namespace file", metadata: ["namespace": "\(table.name(of: id))", "error": "\(error)"])
                nextDue = min(nextDue, now &+ max(interval, 100_000_000))
                return false
            }
        }
        if nextDue != .max && (timerArmedUntil == 0 || nextDue < timerArmedUntil) {
            timer.arm(afterNanoseconds: max(nextDue &- now, 1))
            timerArmedUntil = nextDue
        }
    }
}
