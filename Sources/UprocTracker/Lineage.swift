import UprocRules

/// An exited process that forked: it may be what links a live process to
/// its ancestors (a double-forked daemon to the job that started it).
/// Ghosts no live process descends through are dropped by a collection
/// that runs when their number doubled since the last one, so they never
/// take more than twice what the lineage needs (and nothing is counted per
/// exit: an exit touches no parent).
struct Ghost: Sendable, Equatable {
    var parent: Int32
    var parentSerial: UInt32
    /// Its name when it exited, for explanations.
    var comm: Comm
}

/// Ghosts by PID and serial.
struct Ghosts: Sendable {
    private(set) var entries: [UInt64: Ghost] = [:]
    /// The count at which the next collection runs.
    var collectAt = Ghosts.minimumCollection

    static let minimumCollection = 64

    static func key(_ pid: Int32, _ serial: UInt32) -> UInt64 {
        UInt64(UInt32(bitPattern: pid)) << 32 | UInt64(serial)
    }

    subscript(pid: Int32, serial: UInt32) -> Ghost? {
        get { entries[Self.key(pid, serial)] }
        set { entries[Self.key(pid, serial)] = newValue }
    }

    var count: Int { entries.count }

    mutating func removeAll() { entries = [:] }

    mutating func keep(_ needed: Set<UInt64>) {
        entries = entries.filter { needed.contains($0.key) }
        collectAt = max(Self.minimumCollection, 2 * entries.count)
    }
}

/// A step up the lineage: a live process (its slot) or a ghost.
enum Ancestor: Equatable {
    case live(ProcessTable.Slot)
    case ghost(pid: Int32, serial: UInt32)
}

extension Tracker {
    /// The live process or ghost `pid` with `serial`, or nil (unknown, or
    /// long gone).
    func ancestor(_ pid: Int32, _ serial: UInt32) -> Ancestor? {
        guard pid > 0 else { return nil }
        if let slot = processes.slot(of: pid), processes.wide[slot].links.serial == serial { return .live(slot) }
        if ghosts[pid, serial] != nil { return .ghost(pid: pid, serial: serial) }
        return nil
    }

    /// The parent of a step, as PID and serial (0: none known).
    func parent(of step: Ancestor) -> (Int32, UInt32) {
        switch step {
        case .live(let slot): (processes.wide[slot].links.parent, processes.wide[slot].links.parentSerial)
        case .ghost(let pid, let serial): ghosts[pid, serial].map { ($0.parent, $0.parentSerial) } ?? (0, 0)
        }
    }

    /// `pid` exits: when it forked it stays as a ghost, linked past a ghost
    /// parent to that one's parent (a chain that forks and exits again and
    /// again needs one ghost, not one per step).
    mutating func detach(_ pid: Int32, _ links: ProcessTable.Links, comm: () -> Comm) {
        guard links.forked else { return }
        var ghost = Ghost(parent: links.parent, parentSerial: links.parentSerial, comm: comm())
        if let above = ghosts[links.parent, links.parentSerial] {
            ghost.parent = above.parent
            ghost.parentSerial = above.parentSerial
        }
        ghosts[pid, links.serial] = ghost
        if ghosts.count >= ghosts.collectAt { collectGhosts() }
    }

    /// The ghosts some live process descends through.
    func neededGhosts() -> Set<UInt64> {
        var needed = Set<UInt64>()
        for slot in processes.keys.indices where processes.keys[slot] != 0 {
            var (pid, serial) = (processes.wide[slot].links.parent, processes.wide[slot].links.parentSerial)
            while let ghost = ghosts[pid, serial], needed.insert(Ghosts.key(pid, serial)).inserted {
                (pid, serial) = (ghost.parent, ghost.parentSerial)
            }
        }
        return needed
    }

    /// Drops the ghosts no live process descends through.
    mutating func collectGhosts() {
        ghosts.keep(neededGhosts())
    }

    /// A fresh serial for a new process.
    mutating func newSerial() -> UInt32 {
        defer { nextSerial = nextSerial == .max ? 1 : nextSerial &+ 1 }
        return nextSerial
    }

    /// Whether the live process at `slot` descends from the one with
    /// `ancestorPID`/`ancestorSerial` (through exited ones too).
    /// `verdicts` caches answers by serial for one walk over all processes.
    func descends(
        _ slot: ProcessTable.Slot, from ancestorPID: Int32, _ ancestorSerial: UInt32, verdicts: inout [UInt32: Bool]
    ) -> Bool {
        var path: [UInt32] = []
        var (pid, serial) = (processes.wide[slot].links.parent, processes.wide[slot].links.parentSerial)
        var answer = false
        while true {
            if pid == ancestorPID && serial == ancestorSerial {
                answer = true
                break
            }
            if let known = verdicts[serial], pid > 0 {
                answer = known
                break
            }
            guard let step = ancestor(pid, serial) else { break }
            path.append(serial)
            (pid, serial) = parent(of: step)
            // A cycle cannot happen (a parent exists before its child), but
            // a restored or adopted lineage is data: stop rather than loop.
            if path.count > processes.count + ghosts.count + 1 { break }
        }
        for step in path { verdicts[step] = answer }
        return answer
    }
}
