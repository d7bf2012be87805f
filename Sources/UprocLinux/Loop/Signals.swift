import Glibc

/// The calling thread's signal mask.
package enum Signals {
    /// Blocks `signals` in the calling thread (`pthread_sigmask(SIG_BLOCK)`).
    /// A signalfd only sees a signal that every thread blocks, and threads
    /// inherit the mask: call this at the very top of `main`, before any
    /// thread, Task or Dispatch queue exists.
    package static func block(_ signals: [Int32]) {
        var set = makeSet(signals)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    internal static func makeSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }
}
