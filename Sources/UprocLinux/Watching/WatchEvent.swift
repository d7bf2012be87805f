import Glibc

/// One inotify event on a watched file, copied out of libinotifytools'
/// static buffer on the watcher thread.
public struct WatchEvent: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// Written and closed, moved in, created, deleted, moved away,
        /// attributes changed: the file's name now means something else.
        case changed
        /// A watched directory itself was deleted or moved away.
        case directoryGone
        /// The kernel's inotify queue overflowed: events were lost.
        case overflow
    }

    public var kind: Kind
    /// The watched file's path (the directory's, for `directoryGone`; empty for `overflow`).
    public var path: String
    /// The inotify mask, for the debug log.
    public var mask: UInt32

    public init(kind: Kind, path: String, mask: UInt32) {
        self.kind = kind
        self.path = path
        self.mask = mask
    }

    /// The file under the name is whole now: moved in, or written and
    /// closed. A delete, a move away or a new attribute may be the first
    /// step of an edit still going on.
    public var meansComplete: Bool {
        kind == .changed && mask & UInt32(IN_MOVED_TO | IN_CLOSE_WRITE) != 0
            && mask & UInt32(IN_DELETE | IN_MOVED_FROM) == 0
    }

    public var description: String { kind == .overflow ? "overflow" : "\(kind.rawValue) \(path) (mask 0x\(String(mask, radix: 16)))" }
}

/// What the watcher thread handed over since the last `takeEvents()`.
public struct WatchBatch: Sendable {
    /// At most `ConfigWatcher.eventLimit` events; beyond it only `dropped` grows.
    public var events: [WatchEvent] = []
    public var dropped = 0
    /// Why the watcher could not start or lost a directory; at most once each.
    public var problems: [String] = []

    public init() {}

    public var isEmpty: Bool { events.isEmpty && dropped == 0 && problems.isEmpty }
}
