import UprocLinux
import UprocRules

/// What became of one listed process.
public struct ProcessOutcome: Hashable, Sendable {
    public enum Result: Hashable, Sendable {
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

    public var pid: Int32
    /// Its `comm`, when `/proc` was read.
    public var comm: ProcessName?
    /// The first named namespace whose rule held for it, when one did.
    public var namespace: String?
    public var result: Result

    public init(pid: Int32, comm: ProcessName? = nil, namespace: String? = nil, result: Result) {
        self.pid = pid
        self.comm = comm
        self.namespace = namespace
        self.result = result
    }
}

/// Everything one run did, in ascending PID order.
public struct KillReport: Hashable, Sendable {
    public var signal: KillSignal
    public var dryRun: Bool
    /// Each distinct listed PID once.
    public var outcomes: [ProcessOutcome]
    /// Whether the run waited for the signalled processes.
    public var waited: Bool
    /// When it waited: the signalled processes still running when the time was up.
    public var stillRunning: [ProcessOutcome]

    public var signalledCount: Int { outcomes.count { $0.result == .signalled } }

    public init(signal: KillSignal, dryRun: Bool, outcomes: [ProcessOutcome], waited: Bool = false,
                stillRunning: [ProcessOutcome] = []) {
        self.signal = signal
        self.dryRun = dryRun
        self.outcomes = outcomes
        self.waited = waited
        self.stillRunning = stillRunning
    }
}
