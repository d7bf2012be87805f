import SystemPackage

package enum ProcConnectorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A socket call failed (EPERM from `bind`: joining the proc
    /// connector's group needs CAP_NET_ADMIN).
    case system(SystemCallError)
    /// The kernel answered the subscription with an error (EPERM: listening
    /// needs CAP_NET_ADMIN).
    case refused(errno: Errno)
    /// The kernel never answered the subscription: it ignores requests from
    /// a non-initial user or PID namespace (a container), or the proc
    /// connector is missing (CONFIG_PROC_EVENTS).
    case noAcknowledgement

    /// The kernel refused for want of privilege, at `bind` or at the subscription.
    package var isNotPermitted: Bool {
        switch self {
        case .system(let error): return error.errno == .notPermitted
        case .refused(let errno): return errno == .notPermitted
        case .noAcknowledgement: return false
        }
    }

    package var description: String {
        if isNotPermitted { return refusal + Self.privilegeHint }
        switch self {
        case .system, .refused:
            return refusal
        case .noAcknowledgement:
            return "proc connector: the kernel did not answer the subscription; it ignores requests from "
                + "a non-initial user or PID namespace (run uprocd in the host's namespaces, not in a container), "
                + "or the kernel lacks CONFIG_PROC_EVENTS"
        }
    }

    /// `description`, saying why where `obstacles` (what `/proc/self`
    /// shows, `NamespaceObstacle.current()`) explain it: in a non-initial
    /// user namespace the kernel refuses with EPERM even to its root, and
    /// outside the initial namespaces it may not answer at all.
    package func explained(by obstacles: [NamespaceObstacle] = NamespaceObstacle.current()) -> String {
        if isNotPermitted, let user = obstacles.first(where: { if case .userNamespace = $0 { true } else { false } }) {
            return refusal + "; \(user.place): the kernel's process events need CAP_NET_ADMIN in the initial user "
                + "namespace, which no process here has, root included (run uprocd in the host's namespaces, "
                + "not in a container or under unshare --user)"
        }
        if self == .noAcknowledgement, let first = obstacles.first { return description + " (\(first))" }
        return description
    }

    /// What the kernel said, without advice.
    private var refusal: String {
        switch self {
        case .system(let error): return "proc connector: \(error)"
        case .refused(let errno): return "proc connector: the kernel refused the subscription: \(errno.description)"
        case .noAcknowledgement: return "proc connector: the kernel did not answer the subscription"
        }
    }

    static let privilegeHint = "; the kernel's process events need CAP_NET_ADMIN (run uprocd as root, "
        + "or give it the capability: AmbientCapabilities=CAP_NET_ADMIN)"
}

/// How the kernel delivers events to this socket.
package enum SubscriptionMode: Hashable, Sendable {
    /// Linux 6.6+: only the subscribed event types arrive.
    case filtered
    /// Older kernels: every event type arrives; the decoder drops the rest.
    case unfiltered
}

/// What one `drain` did.
package struct DrainResult: Hashable, Sendable {
    /// Events decoded and passed on.
    package var events: Int
    /// The kernel dropped messages (ENOBUFS) since the last drain: the
    /// table is stale, rescan `/proc`.
    package var overrun: Bool
    /// A receive error other than EAGAIN/ENOBUFS that ended this drain,
    /// after the events before it were delivered. None is expected on a
    /// netlink socket (EBADF/EFAULT trap as bugs): log it; the socket stays
    /// open and the loop drains again when it is readable.
    package var error: SystemCallError?
    /// The drain's time budget ran out: more may be queued.
    package var more: Bool

    package init(events: Int = 0, overrun: Bool = false, error: SystemCallError? = nil, more: Bool = false) {
        self.events = events
        self.overrun = overrun
        self.error = error
        self.more = more
    }
}

/// Running totals since the connector was opened.
package struct ProcConnectorStatistics: Hashable, Sendable {
    /// Datagrams from the kernel.
    package var datagrams: Int = 0
    /// Events decoded from them.
    package var events: Int = 0
    /// Datagrams from anyone but the kernel, dropped unread.
    package var foreignDatagrams: Int = 0
    /// ENOBUFS reports: times the kernel dropped messages for us.
    package var overruns: Int = 0

    package init() {}
}
