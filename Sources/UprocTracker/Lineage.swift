import UprocRules

/// An exited process that is still the lineage parent of a live process or
/// of another ghost: what links a double-forked daemon to the job that
/// started it after the intermediate exited. Freed with its last child, so
/// ghosts never outnumber the processes (and ghosts) below them.
struct Ghost: Sendable, Equatable {
    var parent: Int32
    var parentSerial: UInt32
    var children: UInt32
    /// Its name when it exited, for explanations.
    var comm: Comm
}

/// Ghosts by PID and serial.
struct Ghosts: Sendable {
    private(set) var entries: [UInt64: Ghost] = [:]

    static func key(_ pid: Int32, _ serial: UInt32) -> UInt64 {
        UInt64(UInt32(bitPattern: pid)) << 32 | UInt64(serial)
    }

    subscript(pid: Int32, serial: UInt32) -> Ghost? {
        get { entries[Self.key(pid, serial)] }
        set { entries[Self.key(pid, serial)] = newValue }
    }

    var count: Int { entries.count }

    mutating func removeAll() { entries = [:] }
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
        if let slot = processes.slot(of: pid), processes.links[slot].serial == serial { return .live(slot) }
        if ghosts[pid, serial] != nil { return .ghost(pid: pid, serial: serial) }
        return nil
    }

    /// The parent of a step, as PID and serial (0: none known).
    func parent(of step: Ancestor) -> (Int32, UInt32) {
        switch step {
        case .live(let slot): (processes.links[slot].parent, processes.links[slot].parentSerial)
        case .ghost(let pid, let serial): ghosts[pid, serial].map { ($0.parent, $0.parentSerial) } ?? (0, 0)
        }
    }

    /// One more child names `pid`/`serial` as parent.
    mutating func addChild(_ pid: Int32, _ serial: UInt32) {
        switch ancestor(pid, serial) {
        case .live(let slot): processes.links[slot].children &+= 1
        case .ghost(let pid, let serial): ghosts[pid, serial]!.children &+= 1
        case nil: break
        }
    }

    /// One child less names `pid`/`serial` as parent; a ghost goes with its
    /// last child, and then is one child less of its own parent.
    mutating func releaseChild(_ pid: Int32, _ serial: UInt32) {
        var pid = pid, serial = serial
        while true {
            switch ancestor(pid, serial) {
            case .live(let slot):
                processes.links[slot].children &-= 1
                return
            case .ghost:
                var ghost = ghosts[pid, serial]!
                ghost.children &-= 1
                if ghost.children > 0 {
                    ghosts[pid, serial] = ghost
                    return
                }
                ghosts[pid, serial] = nil
                (pid, serial) = (ghost.parent, ghost.parentSerial)
            case nil:
                return
            }
        }
    }

    /// `pid` exits: with children it stays as a ghost (linked to its
    /// nearest live or ghost ancestor, never to a ghost's ghost when that
    /// can be helped), without it is one child less of its parent.
    mutating func detach(_ pid: Int32, _ links: ProcessTable.Links, comm: Comm) {
        guard links.children > 0 else {
            releaseChild(links.parent, links.parentSerial)
            return
        }
        var ghost = Ghost(parent: links.parent, parentSerial: links.parentSerial, children: links.children, comm: comm)
        if case .ghost = ancestor(links.parent, links.parentSerial), let above = ghosts[links.parent, links.parentSerial] {
            // Skip the ghost parent: link to its parent instead.
            ghost.parent = above.parent
            ghost.parentSerial = above.parentSerial
            addChild(above.parent, above.parentSerial)
            releaseChild(links.parent, links.parentSerial)
        }
        ghosts[pid, links.serial] = ghost
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
        var (pid, serial) = (processes.links[slot].parent, processes.links[slot].parentSerial)
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
            // A cycle cannot happen (serials only grow along a lineage
            // made by forks), but a restored or adopted lineage is data:
            // stop rather than loop.
            if path.count > processes.count + ghosts.count + 1 { break }
        }
        for step in path { verdicts[step] = answer }
        return answer
    }
}
