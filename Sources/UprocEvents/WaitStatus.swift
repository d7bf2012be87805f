/// How a process or thread ended, as `wait(2)` reports it to the parent:
/// the kernel's `exit_code`, which the proc connector's EXIT event and the
/// taskstats exit record both carry.
package struct WaitStatus: Hashable, Sendable {
    /// `code << 8` after `exit(code)`; after a fatal signal, its number
    /// (plus 0x80 when a core was dumped).
    package var rawValue: UInt32

    package init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// What the exit means for whoever counts exits.
    package enum Outcome: Hashable, Sendable {
        /// `exit(0)`.
        case success
        /// `exit(code)` with a code other than 0.
        case failure(code: UInt8)
        /// Ended by a signal (`signal` is its number).
        case signal(UInt8)
    }

    /// The outcome, decoded as `WIFEXITED`/`WEXITSTATUS`/`WTERMSIG` would.
    package var outcome: Outcome {
        let signal = UInt8(truncatingIfNeeded: rawValue & 0x7F)
        if signal != 0 { return .signal(signal) }
        let code = UInt8(truncatingIfNeeded: rawValue >> 8)
        return code == 0 ? .success : .failure(code: code)
    }

    /// A core was dumped (`WCOREDUMP`).
    package var dumpedCore: Bool { rawValue & 0x80 != 0 }
}

/// What the proc connector's EXIT event says besides who exited.
package struct ExitDetail: Hashable, Sendable {
    /// The task's `exit_code`.
    package var status: WaitStatus
    /// `exit_signal`: the signal the parent is sent (SIGCHLD for most
    /// processes, -1 for a thread). Not the signal that ended the task:
    /// that is `status.outcome`.
    package var parentSignal: Int32

    package init(status: WaitStatus, parentSignal: Int32) {
        self.status = status
        self.parentSignal = parentSignal
    }
}
