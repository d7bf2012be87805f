import CLinuxProc
import Glibc

/// A signal's name as `kill -l` prints it (without `SIG`) and its number.
package struct SignalName: Hashable, Sendable {
    package var name: String
    package var number: Int32
}

/// The signals of this system, so code outside this target never needs
/// Glibc for them.
package enum SignalNames {
    /// The standard signals in number order, then the aliases `kill(1)`
    /// also accepts.
    package static let standard: [SignalName] = [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("ILL", SIGILL), ("TRAP", SIGTRAP),
        ("ABRT", SIGABRT), ("BUS", SIGBUS), ("FPE", SIGFPE), ("KILL", SIGKILL), ("USR1", SIGUSR1),
        ("SEGV", SIGSEGV), ("USR2", SIGUSR2), ("PIPE", SIGPIPE), ("ALRM", SIGALRM), ("TERM", SIGTERM),
        ("STKFLT", SIGSTKFLT), ("CHLD", SIGCHLD), ("CONT", SIGCONT), ("STOP", SIGSTOP), ("TSTP", SIGTSTP),
        ("TTIN", SIGTTIN), ("TTOU", SIGTTOU), ("URG", SIGURG), ("XCPU", SIGXCPU), ("XFSZ", SIGXFSZ),
        ("VTALRM", SIGVTALRM), ("PROF", SIGPROF), ("WINCH", SIGWINCH), ("IO", SIGIO), ("PWR", SIGPWR),
        ("SYS", SIGSYS),
        ("IOT", SIGIOT), ("CLD", SIGCHLD), ("POLL", SIGIO),
    ].map { SignalName(name: $0.0, number: $0.1) }

    /// The first real-time signal glibc leaves to programs (`SIGRTMIN`).
    package static var realtimeMinimum: Int32 { CLinuxProc_sigrtmin() }
    /// The last signal (`SIGRTMAX`).
    package static var realtimeMaximum: Int32 { CLinuxProc_sigrtmax() }
}
