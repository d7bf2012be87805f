import Glibc

/// The signals the daemon handles, by name, so code outside this target
/// never needs Glibc for them.
public enum SignalNumber {
    public static let terminate = SIGTERM
    public static let interrupt = SIGINT
    public static let hangUp = SIGHUP
    public static let user1 = SIGUSR1
}
