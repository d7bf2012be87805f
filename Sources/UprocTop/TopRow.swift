import UprocAccounting

/// One namespace as `uproc-top` shows it.
package struct TopRow: Hashable, Sendable {
    package var name: String
    package var processes: Int
    /// CPU time over the daemon's last interval, in % of one core; nil
    /// before the daemon's second sample.
    package var cpuPercent: Double?
    package var residentBytes: UInt64
    /// Storage I/O over the last interval, bytes per second; nil as `cpuPercent`.
    package var readPerSecond: Double?
    package var writePerSecond: Double?
    /// Members that exited since counting began, and those of them that
    /// failed (a non-zero code or a signal).
    package var exits: UInt64
    package var failures: UInt64
    /// Exits count the kernel's exit records.
    package var exact: Bool

    package init(name: String, processes: Int, cpuPercent: Double?, residentBytes: UInt64, readPerSecond: Double?,
                 writePerSecond: Double?, exits: UInt64, failures: UInt64, exact: Bool = true) {
        self.name = name
        self.processes = processes
        self.cpuPercent = cpuPercent
        self.residentBytes = residentBytes
        self.readPerSecond = readPerSecond
        self.writePerSecond = writePerSecond
        self.exits = exits
        self.failures = failures
        self.exact = exact
    }

    /// The row of namespace `name` from its accounting file.
    package init(name: String, snapshot: AccountingSnapshot) {
        let totals = snapshot.totals
        let interval = snapshot.interval
        let seconds = Double(interval.nanoseconds) / 1e9
        self.init(
            name: name, processes: totals.processes,
            cpuPercent: seconds > 0 ? Double(interval.cpuMicroseconds) / 1e6 / seconds * 100 : nil,
            residentBytes: totals.residentBytes,
            readPerSecond: seconds > 0 ? Double(interval.readBytes) / seconds : nil,
            writePerSecond: seconds > 0 ? Double(interval.writeBytes) / seconds : nil,
            exits: totals.exits.total, failures: totals.exits.failure &+ totals.exits.signal, exact: snapshot.exact)
    }
}

/// What `--sort` takes.
package enum TopSortKey: String, CaseIterable, Sendable {
    case cpu, mem, read, write, procs, exits, failed, name

    /// Whether `a` comes before `b`: larger values first (names in
    /// ascending order), ties by name.
    func ordered(_ a: TopRow, _ b: TopRow) -> Bool {
        func compare<T: Comparable>(_ x: T, _ y: T) -> Bool? { x == y ? nil : x > y }
        let decided: Bool?
        switch self {
        case .cpu: decided = compare(a.cpuPercent ?? -1, b.cpuPercent ?? -1)
        case .mem: decided = compare(a.residentBytes, b.residentBytes)
        case .read: decided = compare(a.readPerSecond ?? -1, b.readPerSecond ?? -1)
        case .write: decided = compare(a.writePerSecond ?? -1, b.writePerSecond ?? -1)
        case .procs: decided = compare(a.processes, b.processes)
        case .exits: decided = compare(a.exits, b.exits)
        case .failed: decided = compare(a.failures, b.failures)
        case .name: decided = nil
        }
        return decided ?? (a.name.utf8.lexicographicallyPrecedes(b.name.utf8))
    }
}
