import UprocLinux
import UprocRules

extension Daemon {
    /// Writes every changed namespace whose file is older than
    /// `--min-interval`; the others wait for the timer. Under a burst each
    /// file is rewritten at most once per interval, while a quiet namespace
    /// is written the moment its change is known.
    func publishDue(now: UInt64) {
        guard tracker.hasChanges else { return }
        var nextDue = UInt64.max
        let interval = options.minimumInterval
        let table = tracker.table
        let fresh = directoryIsFresh
        directoryIsFresh = false
        tracker.publishChanged { id, pids in
            let last = lastPublished[Int(id.index)]
            if last != 0 && now &- last < interval {
                nextDue = min(nextDue, last &+ interval)
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
                lastPublished[Int(id.index)] = now
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
