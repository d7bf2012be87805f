import UprocLinux
import UprocRules

/// What became of one listed process.
package struct ProcessOutcome: Hashable, Sendable {
    package enum Result: Hashable, Sendable {
        /// Signalled (in a dry run: would have been).
        case signalled
        /// Gone before it could be signalled: exited, or its PID now names no process.
        case exited
        /// Alive, but no named namespace's rule holds for it any more.
        case notMember
        /// The kernel refused the signal (EPERM): the caller may not signal it.
        case refused(SystemCallError)
        /// Any other failure (e.g. out of file descriptors).
        case failed(SystemCallError)
    }

    package var pid: Int32
    /// Its `comm`, when `/proc` was read.
    package var comm: ProcessName?
    /// The first named namespace whose rule held for it, when one did.
    package var namespace: String?
    package var result: Result

    package init(pid: Int32, comm: ProcessName? = nil, namespace: String? = nil, result: Result) {
        self.pid = pid
        self.comm = comm
        self.namespace = namespace
        self.result = result
    }
}

/// Everything one run did, in ascending PID order.
package struct KillReport: Hashable, Sendable {
    package var signal: KillSignal
    package var dryRun: Bool
    /// Each distinct listed PID once.
    package var outcomes: [ProcessOutcome]
    /// Whether the run waited for the signalled processes.
    package var waited: Bool
    /// When it waited: the signalled processes still running when the time was up.
    package var stillRunning: [ProcessOutcome]

    package var signalledCount: Int { outcomes.count { $0.result == .signalled } }

    package init(signal: KillSignal, dryRun: Bool, outcomes: [ProcessOutcome], waited: Bool = false,
                stillRunning: [ProcessOutcome] = []) {
        self.signal = signal
        self.dryRun = dryRun
        self.outcomes = outcomes
        self.waited = waited
        self.stillRunning = stillRunning
    }
}
