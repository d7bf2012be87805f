import UprocEvents
import UprocLinux
import UprocRules

extension Daemon {
    /// Reads every queued datagram and applies its events; after a kernel
    /// overrun (ENOBUFS) the table is rebuilt from `/proc`.
    func drainKernel() {
        let result = connector.drain { event in apply(event) }
        statistics.events &+= result.events
        if result.overrun {
            statistics.overruns &+= 1
            logger.warning("the kernel dropped process events; rescanning /proc", metadata: ["overruns": "\(statistics.overruns)"])
            rescan()
        }
    }

    /// Applies one kernel event. Threads are not processes: only events of
    /// thread-group leaders (or naming the group) change anything.
    func apply(_ event: ProcEvent) {
        let stale = event.timestamp < verifyBefore
        switch event.kind {
        case .fork(_, let parentTGID, let childPID, let childTGID):
            guard childPID == childTGID else { return }  // a new thread
            if stale || !tracker.fork(parent: parentTGID, child: childTGID) {
                refresh(childTGID)
            }
        case .exec(_, let tgid):
            // comm changes, and a set-uid binary changes euid with no UID event.
            refresh(tgid)
        case .uid(let pid, let tgid, let ruid, let euid):
            guard pid == tgid else { return }
            if stale || !tracker.setUIDs(tgid, ruid: ruid, euid: euid) { refresh(tgid) }
        case .gid(let pid, let tgid, let rgid, let egid):
            guard pid == tgid else { return }
            if stale || !tracker.setGIDs(tgid, rgid: rgid, egid: egid) { refresh(tgid) }
        case .comm(let pid, let tgid, let comm):
            // A non-leader thread's name is not what /proc/<tgid>/comm says.
            guard pid == tgid else { return }
            if stale || !tracker.setComm(tgid, comm) { refresh(tgid) }
        case .exit(let pid, let tgid):
            guard pid == tgid else { return }
            tracker.remove(tgid)
        case .ack:
            break
        }
    }

    /// Makes `pid`'s entry what `/proc` says now; gone is gone.
    func refresh(_ pid: Int32) {
        statistics.procReads &+= 1
        if let identity = reader.identity(of: pid, reading: tracker.table.usedKeys) {
            tracker.upsert(pid, identity)
        } else {
            tracker.remove(pid)
        }
    }

    /// Rebuilds the process table from `/proc`. Events queued before the scan
    /// ended are checked against `/proc` when they are drained.
    func rescan() {
        statistics.rescans &+= 1
        var snapshot: [(Int32, ProcessIdentity)] = []
        snapshot.reserveCapacity(tracker.processCount + 256)
        do {
            try reader.scan(reading: tracker.table.usedKeys) { pid, identity in
                snapshot.append((pid, identity))
            }
        } catch {
            // An empty snapshot would empty every file: keep them as they are.
            logger.error("cannot list /proc", metadata: ["error": "\(error)"])
            return
        }
        tracker.reconcile(with: snapshot, republishAll: false)
        verifyBefore = MonotonicClock.nanoseconds()
    }
}
