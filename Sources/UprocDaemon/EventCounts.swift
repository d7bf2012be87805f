import UprocEvents

/// Kernel events received (threads' events included): the total the
/// drains count, and by type for the metrics. Plain fields: counting is one
/// increment on the event path.
final class EventCounts: ShownCounter {
    let name = CounterName("events", help: "Kernel process events received, by type (threads' events included).")
    /// Every event the drains took.
    private(set) var value = 0
    private(set) var fork = 0
    private(set) var exec = 0
    private(set) var uid = 0
    private(set) var gid = 0
    private(set) var comm = 0
    private(set) var exit = 0

    /// A drain took `count` events.
    @inline(__always)
    func received(_ count: Int) { value &+= count }

    @inline(__always)
    func count(_ kind: ProcEvent.Kind) {
        switch kind {
        case .fork: fork &+= 1
        case .exec: exec &+= 1
        case .uid: uid &+= 1
        case .gid: gid &+= 1
        case .comm: comm &+= 1
        case .exit: exit &+= 1
        case .ack: break
        }
    }

    /// By type, in a fixed order.
    var samples: [MetricSample]? {
        [("fork", fork), ("exec", exec), ("uid", uid), ("gid", gid), ("comm", comm), ("exit", exit)].map {
            MetricSample(labels: [MetricLabel("type", $0.0)], value: .integer(UInt64($0.1)))
        }
    }
}
