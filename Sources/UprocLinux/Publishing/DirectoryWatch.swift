import Glibc

/// A raw inotify watch on the namespace directory, read by the event loop:
/// tells which files someone else deleted, moved away or moved in,
/// and when the directory itself went. The daemon's own renames are told
/// apart by their cookie (a move from one of its temporary names).
package final class DirectoryWatch {
    package let fileDescriptor: Int32
    private var watch: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// The cookie of the last move away from a temporary name of ours.
    private var ownMoveCookie: UInt32 = 0

    package enum Event: Equatable, Sendable {
        /// `name` was removed, moved away or moved in by someone else.
        case fileChanged(String)
        /// The directory was deleted, moved, or its mode or owner changed.
        case directoryChanged
        /// Events were lost: check everything.
        case overflow
    }

    // Not IN_CLOSE_WRITE: every publish would add an event (only root can
    // write a 0444 file in place anyway).
    static let fileMask = UInt32(IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)
    static let selfMask = UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB)

    package init() throws(SystemCallError) {
        fileDescriptor = try syscall("inotify_init1") { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }.get()
    }

    deinit { closeDescriptor(fileDescriptor) }

    /// Watches `path` (again, after the directory was recreated).
    package func watch(_ path: String) throws(SystemCallError) {
        if watch >= 0 { inotify_rm_watch(fileDescriptor, watch) }
        watch = try syscall("inotify_add_watch", subject: path) {
            inotify_add_watch(fileDescriptor, path, Self.fileMask | Self.selfMask | UInt32(IN_ONLYDIR | IN_DONT_FOLLOW))
        }.get()
    }

    /// Reads what is queued; calls `body` for each event that is not the
    /// daemon's own doing.
    package func drain(_ body: (Event) -> Void) {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset + 16 <= count {
                    let descriptor = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let cookie = raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + 16)..<min(offset + 16 + length, count)]
                    offset += 16 + length
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        body(.overflow)
                        continue
                    }
                    guard descriptor == watch else { continue }
                    if mask & (Self.selfMask | UInt32(IN_IGNORED)) != 0 && length == 0 {
                        body(.directoryChanged)
                        continue
                    }
                    let end = nameBytes.firstIndex(of: 0) ?? nameBytes.endIndex
                    let name = nameBytes[..<end]
                    // Dot names are never namespace files (temporaries, the record).
                    if name.first == UInt8(ascii: ".") {
                        if mask & UInt32(IN_MOVED_FROM) != 0 { ownMoveCookie = cookie }
                        continue
                    }
                    if mask & UInt32(IN_MOVED_TO) != 0 && cookie == ownMoveCookie && cookie != 0 { continue }
                    body(.fileChanged(String(decoding: name, as: UTF8.self)))
                }
            }
            // A read returns every queued event that fits: with room left for
            // the largest, the queue was empty (anything newer wakes the loop).
            if count <= buffer.count - Self.largestEvent { return }
        }
    }

    /// An event header and the longest name with its NUL.
    static let largestEvent = 16 + Int(NAME_MAX) + 1
}
