import UprocEvents

/// Kernel events received, by type (threads' events included), for the
/// metrics. Plain fields: counting is one increment on the event path.
struct EventCounts: Equatable {
    var fork = 0
    var exec = 0
    var uid = 0
    var gid = 0
    var comm = 0
    var exit = 0

    @inline(__always)
    mutating func count(_ kind: ProcEvent.Kind) {
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

    /// `(type label, count)`, in a fixed order.
    var byType: [(String, Int)] {
        [("fork", fork), ("exec", exec), ("uid", uid), ("gid", gid), ("comm", comm), ("exit", exit)]
    }
}
