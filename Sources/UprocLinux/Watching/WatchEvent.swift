import Glibc

/// One inotify event on a watched file, copied out of libinotifytools'
/// static buffer on the watcher thread.
package struct WatchEvent: Hashable, Sendable, CustomStringConvertible {
    package enum Kind: String, Hashable, Sendable {
        /// Written and closed, moved in, created, deleted, moved away,
        /// attributes changed: the name now means something else.
        case changed
        /// The kernel's inotify queue overflowed: events were lost.
        case overflow
    }

    package var kind: Kind
    /// The file's path (empty for `overflow`).
    package var path: String
    /// The inotify mask, for the debug log.
    package var mask: UInt32

    package init(kind: Kind, path: String, mask: UInt32) {
        self.kind = kind
        self.path = path
        self.mask = mask
    }

    /// A whole file was renamed over the name (vim, `sed -i`, configuration
    /// management): nothing more of this edit is to come. A write and close
    /// may be one step of several (`> f; cat b >> f`); a delete, a move
    /// away or a new attribute may be the start of an edit.
    package var isMovedIn: Bool {
        kind == .changed && mask & UInt32(IN_MOVED_TO) != 0
    }

    package var description: String { kind == .overflow ? "overflow" : "\(kind.rawValue) \(path) (mask 0x\(String(mask, radix: 16)))" }
}

/// What the watcher thread handed over since the last `takeEvents()`.
package struct WatchBatch: Sendable {
    /// At most `ConfigWatcher.eventLimit` events; beyond it only `dropped` grows.
    package var events: [WatchEvent] = []
    package var dropped = 0
    /// The watches were set up anew (at start, after the paths or a
    /// directory on them changed, after a problem): whatever changed
    /// before may have gone unseen, so compare the files with what was
    /// loaded.
    package var established = false
    /// Why the watches could not be set up; each at most once until they
    /// are. The thread tries again every second.
    package var problems: [SystemCallError] = []

    package init() {}

    package var isEmpty: Bool { events.isEmpty && dropped == 0 && problems.isEmpty && !established }
}
