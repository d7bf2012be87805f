import UprocEvents

/// Members that exited, by how they ended.
package struct ExitCounts: Hashable, Sendable {
    /// `exit(0)`.
    package var success: UInt64 = 0
    /// `exit(code)` with a code other than 0.
    package var failure: UInt64 = 0
    /// Ended by a signal.
    package var signal: UInt64 = 0

    package init(success: UInt64 = 0, failure: UInt64 = 0, signal: UInt64 = 0) {
        self.success = success
        self.failure = failure
        self.signal = signal
    }

    package var total: UInt64 { success &+ failure &+ signal }

    mutating func count(_ status: WaitStatus) {
        switch status.outcome {
        case .success: success &+= 1
        case .failure: failure &+= 1
        case .signal: signal &+= 1
        }
    }
}

/// What one accounted namespace's members used: counters since the
/// namespace was first accounted, which never decrease, and gauges of now.
package struct SlotTotals: Hashable, Sendable {
    /// CPU time and storage I/O while members (counters).
    package var usage: ResourceUsage
    /// The members' resident memory, as last sampled (a gauge; shared pages
    /// count once per process).
    package var residentBytes: UInt64
    /// Live members (a gauge).
    package var processes: Int
    /// Processes that became members (a counter).
    package var starts: UInt64
    /// Members that exited (counters).
    package var exits: ExitCounts

    package init(usage: ResourceUsage = .zero, residentBytes: UInt64 = 0, processes: Int = 0, starts: UInt64 = 0,
                 exits: ExitCounts = ExitCounts()) {
        self.usage = usage
        self.residentBytes = residentBytes
        self.processes = processes
        self.starts = starts
        self.exits = exits
    }
}
