import Glibc

/// One inotify event on a watched file, copied out of libinotifytools'
/// static buffer on the watcher thread.
public struct WatchEvent: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// Written and closed, moved in, created, deleted, moved away,
        /// attributes changed: the name now means something else.
        case changed
        /// The kernel's inotify queue overflowed: events were lost.
        case overflow
    }

    public var kind: Kind
    /// The file's path (empty for `overflow`).
    public var path: String
    /// The inotify mask, for the debug log.
    public var mask: UInt32

    public init(kind: Kind, path: String, mask: UInt32) {
        self.kind = kind
        self.path = path
        self.mask = mask
    }

    /// A whole file was renamed over the name (vim, `sed -i`, configuration
    /// management): nothing more of this edit is to come. A write and close
    /// may be one step of several (`> f; cat b >> f`); a delete, a move
    /// away or a new attribute may be the start of an edit.
    public var isMovedIn: Bool {
        kind == .changed && mask & UInt32(IN_MOVED_TO) != 0
    }

    public var description: String { kind == .overflow ? "overflow" : "\(kind.rawValue) \(path) (mask 0x\(String(mask, radix: 16)))" }
}

/// What the watcher thread handed over since the last `takeEvents()`.
public struct WatchBatch: Sendable {
    /// At most `ConfigWatcher.eventLimit` events; beyond it only `dropped` grows.
    public var events: [WatchEvent] = []
    public var dropped = 0
    /// The watches were set up anew (at start, after the paths or a
    /// directory on them changed, after a problem): whatever changed
    /// before may have gone unseen, so compare the files with what was
    /// loaded.
    public var established = false
    /// Why the watches could not be set up; each at most once until they
    /// are. The thread tries again every second.
    public var problems: [SystemCallError] = []

    public init() {}

    public var isEmpty: Bool { events.isEmpty && dropped == 0 && problems.isEmpty && !established }
}
