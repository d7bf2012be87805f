import UprocLinux

/// Tells systemd (`Type=notify`, `$NOTIFY_SOCKET`) how the daemon is doing:
/// `READY=1` once every namespace file is first written, `RELOADING=1` with
/// `MONOTONIC_USEC=` and then `READY=1` around every reload, a one-line
/// `STATUS=` when it changes (at most once a second), `STOPPING=1` at a
/// clean stop, and `WATCHDOG=1` at half of `$WATCHDOG_USEC`. Without
/// `$NOTIFY_SOCKET` it registers nothing and sends nothing.
/// A part of the loop: one post handler and two timers.
final class SystemdReporter: ReloadObserver {
    let drops = Counter("notify_drops",
                        help: "Messages to systemd's NOTIFY_SOCKET dropped because its queue was full (nobody read it) or the send failed.")

    private let state: DaemonState
    /// What the status line tells besides the process table.
    private let kernelDrops: Counter
    private let reloads: ReloadCounts
    private let notifier: ServiceNotifier
    private let watchdogInterval: UInt64?
    private var limiter = StatusLimiter()
    private var statusTimer: LoopTimer?
    private var watchdogTimer: LoopTimer?
    private var seen = Facts()
    /// A failed send is logged once, not at every status or ping.
    private var failing = false
    /// Messages dropped since sends last succeeded.
    private var dropped = 0

    init(state: DaemonState, drops kernelDrops: Counter, reloads: ReloadCounts, notifier: ServiceNotifier,
         watchdogInterval: UInt64? = ServiceNotifier.watchdogInterval()) {
        self.state = state
        self.kernelDrops = kernelDrops
        self.reloads = reloads
        self.notifier = notifier
        self.watchdogInterval = notifier.isEnabled ? watchdogInterval : nil
    }

    /// From the environment; a socket that cannot be created turns
    /// notifications off (logged) rather than stopping the start.
    convenience init(state: DaemonState, drops kernelDrops: Counter, reloads: ReloadCounts) {
        let notifier: ServiceNotifier
        do {
            notifier = try ServiceNotifier()
        } catch {
            state.logger.error("cannot notify systemd", metadata: ["error": "\(error)"])
            notifier = try! ServiceNotifier(notifySocket: nil)  // off: cannot fail
        }
        self.init(state: state, drops: kernelDrops, reloads: reloads, notifier: notifier)
    }

    func attach(to loop: EventLoop) {
        guard notifier.isEnabled else { return }
        statusTimer = loop.addTimer { [unowned self] in statusChanged() }
        loop.addPostHandler { [unowned self] in roundEnded() }
        if let watchdogInterval {
            let timer = loop.addTimer { [unowned self] in ping() }
            watchdogTimer = timer
            timer.schedule(afterNanoseconds: watchdogInterval)
        }
    }

    /// Every namespace file has been written once.
    func ready() {
        send("READY=1", withStatus: true)
    }

    func reloadStarted() {
        send(ServiceNotifier.reloadingMessage(), withStatus: false)
    }

    func reloadEnded(_ outcome: ReloadOutcome) {
        send("READY=1", withStatus: true)
    }

    func stopping() {
        send("STOPPING=1", withStatus: false)
    }

    /// `312 processes, 40 namespaces, 0 kernel drops; last reload applied`
    static func statusText(processes: Int, namespaces: Int, drops: Int, lastReload: ReloadOutcome?) -> String {
        let reload: String
        switch lastReload {
        case nil: reload = "no reload yet"
        case .applied: reload = "last reload applied"
        case .unchanged: reload = "last reload unchanged"
        case .failed: reload = "last reload failed, previous rules kept"
        }
        return "\(processes) processes, \(namespaces) namespaces, \(drops) kernel drops; \(reload)"
    }

    private var statusText: String {
        Self.statusText(processes: state.tracker.processCount, namespaces: state.tracker.table.namespaceCount,
                        drops: kernelDrops.value, lastReload: reloads.last)
    }

    /// After every round: the text is built only when a fact in it moved,
    /// and not while a held one waits for its timer.
    private func roundEnded() {
        let now = facts
        guard now != seen else { return }
        seen = now
        guard let statusTimer, !statusTimer.isScheduled else { return }
        statusChanged()
    }

    private func statusChanged() {
        let now = MonotonicClock.nanoseconds()
        if let text = limiter.offer(statusText, now: now) {
            send("STATUS=\(text)", withStatus: false)
        } else if let deadline = limiter.deadline {
            statusTimer?.schedule(at: deadline)
        }
    }

    private func ping() {
        send("WATCHDOG=1", withStatus: false)
        if let watchdogInterval { watchdogTimer?.schedule(afterNanoseconds: watchdogInterval) }
    }

    /// `withStatus`: the current status goes along when the limiter allows
    /// it (else the status timer sends it later).
    private func send(_ message: String, withStatus: Bool) {
        guard notifier.isEnabled else { return }
        var message = message
        if withStatus {
            seen = facts
            let now = MonotonicClock.nanoseconds()
            if let text = limiter.offer(statusText, now: now) {
                message += "\nSTATUS=\(text)"
            } else if let deadline = limiter.deadline {
                statusTimer?.schedule(at: deadline)
            }
        }
        do {
            try notifier.notify(message)
            if failing {
                failing = false
                state.logger.info("notifying systemd again", metadata: ["dropped": "\(dropped)"])
                dropped = 0
            }
        } catch {
            // Never waited for: a socket nobody reads must not stop the loop.
            drops.add()
            dropped &+= 1
            if !failing {
                failing = true
                state.limiter.log(state.logger, .warning, kind: "notify", "cannot notify systemd; dropping messages",
                                  metadata: ["error": "\(error)"])
            }
        }
    }

    /// The status line's facts, compared after every round.
    private struct Facts: Equatable {
        var processes = -1
        var namespaces = 0
        var drops = 0
        var reloads = 0

    }

    private var facts: Facts {
        Facts(processes: state.tracker.processCount, namespaces: state.tracker.table.namespaceCount,
              drops: kernelDrops.value, reloads: reloads.total)
    }
}
