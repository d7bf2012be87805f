import Glibc

/// The signals the daemon handles, by name, so code outside this target
/// never needs Glibc for them.
package enum SignalNumber {
    package static let terminate = SIGTERM
    package static let interrupt = SIGINT
    package static let hangUp = SIGHUP
    package static let user1 = SIGUSR1
}
