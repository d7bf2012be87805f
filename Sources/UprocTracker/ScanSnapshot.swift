import UprocRules

/// The processes a `/proc` scan found, for `Tracker.reconcile` and
/// `Tracker.disagreements`: 36 bytes each (the PID and the identity as the
/// process table stores it; a kernel thread's long name keeps its rest
/// aside), where a list of whole identities would take 88. An audit builds
/// one of every process every few minutes.
package struct ScanSnapshot: Sequence, Sendable {
    private var pids: [Int32] = []
    private var identities: [ProcessTable.Stored] = []
    /// By position: the bytes past the 15th of long names.
    private var longTails: [Int: ProcessName.Tail] = [:]
    /// By position, once some process has one set: login UIDs (read only
    /// while rules ask for them).
    private var loginuids: [UInt32] = []

    package init() {}

    package var count: Int { pids.count }

    package mutating func reserveCapacity(_ capacity: Int) {
        pids.reserveCapacity(capacity)
        identities.reserveCapacity(capacity)
    }

    package mutating func append(_ pid: Int32, _ identity: ProcessIdentity) {
        if identity.comm.isLong { longTails[pids.count] = identity.comm.tail }
        if identity.loginuid != ProcessIdentity.unsetLoginUID && loginuids.isEmpty {
            loginuids = Array(repeating: ProcessIdentity.unsetLoginUID, count: pids.count)
        }
        if !loginuids.isEmpty { loginuids.append(identity.loginuid) }
        pids.append(pid)
        identities.append(ProcessTable.Stored(identity))
    }

    package struct Iterator: IteratorProtocol {
        let snapshot: ScanSnapshot
        var position = 0

        package mutating func next() -> (Int32, ProcessIdentity)? {
            guard position < snapshot.pids.count else { return nil }
            defer { position += 1 }
            let stored = snapshot.identities[position]
            let tail = stored.hasLongName ? snapshot.longTails[position] ?? ProcessTable.noTail : ProcessTable.noTail
            var identity = stored.identity(tail: tail)
            if !snapshot.loginuids.isEmpty { identity.loginuid = snapshot.loginuids[position] }
            return (snapshot.pids[position], identity)
        }
    }

    package func makeIterator() -> Iterator { Iterator(snapshot: self) }

    package var underestimatedCount: Int { pids.count }
}
