import Glibc

/// systemd's readiness protocol without libsystemd: each `notify` sends one
/// datagram of `KEY=VALUE` lines to `$NOTIFY_SOCKET`. When the variable is
/// unset (not started by systemd `Type=notify`) every call does nothing.
///
/// The socket is opened once, so a watchdog ping costs one `sendto`.
/// Sendable: immutable apart from the socket, whose `sendto` is thread-safe.
package final class ServiceNotifier: Sendable {
    /// Where the messages go; nil when notifications are off.
    package let address: UnixSocketAddress?
    private let socket: UnixDatagramSocket?

    /// From the process environment (`NOTIFY_SOCKET`).
    package convenience init() throws(SystemCallError) {
        try self.init(notifySocket: ProcessEnvironment.value("NOTIFY_SOCKET"))
    }

    /// `notifySocket` as systemd sets it: a path, `@abstract`, or nil/empty
    /// for "not under systemd". An address systemd would never pass (relative,
    /// too long) also turns notifications off rather than failing the start.
    package init(notifySocket: String?) throws(SystemCallError) {
        guard let text = notifySocket, let address = UnixSocketAddress(text) else {
            self.address = nil
            self.socket = nil
            return
        }
        self.address = address
        self.socket = try UnixDatagramSocket()
    }

    package var isEnabled: Bool { address != nil }

    /// Sends `state` (e.g. `"READY=1\nSTATUS=watching 312 processes"`) as
    /// one datagram. Nothing happens when notifications are off. Never
    /// blocks: when the receiver's queue is full (nobody reads the socket)
    /// the message is dropped and this throws EAGAIN. The corresponding C
    /// function is `sd_notify`.
    package func notify(_ state: String) throws(SystemCallError) {
        guard let socket, let address else { return }
        try socket.send(state, to: address, waiting: false)
    }

    /// `RELOADING=1` with the `MONOTONIC_USEC=` systemd 253+ wants beside it
    /// (older systemd ignores the field), as one message.
    package static func reloadingMessage(monotonicMicroseconds: UInt64 = monotonicMicroseconds()) -> String {
        "RELOADING=1\nMONOTONIC_USEC=\(monotonicMicroseconds)"
    }

    /// CLOCK_MONOTONIC in microseconds, the clock of `MONOTONIC_USEC=`.
    package static func monotonicMicroseconds() -> UInt64 {
        MonotonicClock.nanoseconds() / 1_000
    }

    /// How often to send `WATCHDOG=1`, in nanoseconds: half of
    /// `$WATCHDOG_USEC`, as sd_watchdog_enabled(3) advises. Nil when the
    /// watchdog is off, the value is not a positive number, or
    /// `$WATCHDOG_PID` names another process (the variables leaked to a child).
    package static func watchdogInterval() -> UInt64? {
        watchdogInterval(usec: ProcessEnvironment.value("WATCHDOG_USEC"), pid: ProcessEnvironment.value("WATCHDOG_PID"),
                         ownPID: Int64(getpid()))
    }

    package static func watchdogInterval(usec: String?, pid: String?, ownPID: Int64) -> UInt64? {
        guard let usec, let microseconds = UInt64(usec), microseconds > 0 else { return nil }
        if let pid, !pid.isEmpty {
            guard let owner = Int64(pid), owner == ownPID else { return nil }
        }
        let (nanoseconds, overflow) = microseconds.multipliedReportingOverflow(by: 1_000)
        return overflow ? UInt64.max / 2 : nanoseconds / 2
    }
}
