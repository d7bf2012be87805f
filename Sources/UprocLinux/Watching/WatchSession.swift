import CInotifyTools
import Glibc
import SystemPackage

/// What a set of files depends on: every name looked up to open them, and
/// each directory those lookups read, with the inode it was. Two of them
/// differ exactly when a name on the way now leads elsewhere, or a
/// directory on it was replaced: then the watches must be set up anew.
struct WatchedDirectories: Equatable {
    struct Directory: Equatable {
        var path: String
        var device: UInt64
        var inode: UInt64
        /// It holds the file itself (or the name that is missing): without
        /// its watch an edit goes unseen. Others are watched when they can be.
        var required: Bool
    }

    /// In lookup order, each once.
    private(set) var directories: [Directory] = []
    /// The paths of the names looked up.
    private(set) var entries: Set<String> = []
    /// The last name each file's lookups reach: the file itself (or the
    /// name that is missing). A change of another entry changes where the
    /// names lead, or nothing.
    private(set) var ends: Set<String> = []

    init(files: [String]) {
        for file in files {
            let lookups = WatchedPaths.lookups(file)
            if let last = lookups.last { ends.insert(last.path) }
            for (index, lookup) in lookups.enumerated() {
                entries.insert(lookup.path)
                let required = index == lookups.count - 1
                if let known = directories.firstIndex(where: { $0.path == lookup.directory }) {
                    directories[known].required = directories[known].required || required
                    continue
                }
                var status = stat()
                let found = lstat(lookup.directory, &status) == 0
                directories.append(Directory(
                    path: lookup.directory, device: found ? UInt64(status.st_dev) : 0,
                    inode: found ? UInt64(status.st_ino) : 0, required: required))
            }
        }
    }
}

/// libinotifytools from `inotifytools_initialize` to `inotifytools_cleanup`,
/// watching the directories of one `WatchedDirectories`. A session is never
/// changed: when the directories change, the next session replaces it.
/// libinotifytools caches each watch's path, and the cache goes wrong when
/// a watch is removed: a directory deleted and made again keeps the old
/// watch number under its path, and removing a watch the kernel already
/// dropped prints to stderr. A fresh session never removes a watch.
///
/// Used only on the watcher thread.
final class WatchSession {
    let watched: WatchedDirectories
    /// The directories of each watch descriptor: two paths can be one
    /// directory (bind mounts).
    private var directories: [Int32: [String]] = [:]
    private var isOpen = true

    /// What the directories are watched for: every way a name in them can
    /// start meaning another file, and the directory itself going away. The
    /// paths have no symlinks: one appearing there is a change.
    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)
        | UInt32(IN_DELETE_SELF | IN_MOVE_SELF) | UInt32(IN_ONLYDIR) | UInt32(IN_DONT_FOLLOW)

    /// An event as the thread needs it, copied out of the library's buffer.
    struct Event {
        var mask: UInt32
        /// The watched directories it happened in (empty for an overflow).
        var directories: [String]
        /// The name in them; empty for the directory itself.
        var name: String
    }

    /// Starts libinotifytools and watches every directory of `watched`,
    /// skipping (when not required) one the daemon may not read.
    init(_ watched: WatchedDirectories) throws(SystemCallError) {
        self.watched = watched
        guard inotifytools_initialize() != 0 else {
            isOpen = false
            throw SystemCallError(call: "inotify_init", errno: Errno(rawValue: inotifytools_error()))
        }
        var byInode: [[UInt64]: Int32] = [:]
        for directory in watched.directories {
            if let known = byInode[[directory.device, directory.inode]] {
                directories[known, default: []].append(directory.path)
                continue
            }
            // The library's own check prints to stderr when lstat fails but for ENOENT.
            var status = stat()
            guard lstat(directory.path, &status) == 0 else {
                let code = errno
                if !directory.required && (code == EACCES || code == EPERM) { continue }
                close()
                throw SystemCallError(call: "lstat", subject: directory.path, errno: Errno(rawValue: code))
            }
            guard inotifytools_watch_file(directory.path, Int32(bitPattern: Self.mask)) != 0 else {
                let code = inotifytools_error()
                if !directory.required && (code == EACCES || code == EPERM) { continue }
                close()
                throw SystemCallError(call: "inotify_add_watch", subject: directory.path, errno: Errno(rawValue: code))
            }
            // The library keeps a directory's path with a slash at the end.
            let descriptor = inotifytools_wd_from_filename(directory.path == "/" ? "/" : directory.path + "/")
            guard descriptor >= 0 else {
                // Replaced by something else since it was resolved.
                close()
                throw SystemCallError(call: "inotify_add_watch", subject: directory.path, errno: .notDirectory)
            }
            directories[descriptor, default: []].append(directory.path)
            byInode[[directory.device, directory.inode]] = descriptor
        }
    }

    deinit { close() }

    /// The next event, waiting up to `seconds` (at least 1: the library
    /// takes 0 as "forever"); nil on timeout or a signal.
    func next(waitingUpTo seconds: Int) -> Event? {
        guard isOpen, let event = inotifytools_next_event(max(1, seconds)) else { return nil }
        return copy(event)
    }

    private func copy(_ event: UnsafeMutablePointer<inotify_event>) -> Event {
        let length = Int(event.pointee.len)
        // `name` is a flexible array member, which Swift does not import.
        let name = length == 0 ? "" : String(cString: UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
            .assumingMemoryBound(to: CChar.self))
        return Event(mask: event.pointee.mask, directories: directories[event.pointee.wd] ?? [], name: name)
    }

    /// Ends the session. Events the library read ahead are dropped first:
    /// its buffer outlives `inotifytools_cleanup`, and the next session's
    /// watch numbers start at 1 again.
    func close() {
        guard isOpen else { return }
        isOpen = false
        // A timeout of 0 here polls (`inotifytools_next_event` would take it as "forever").
        while inotifytools_next_events(0, 1) != nil {}
        inotifytools_cleanup()
    }
}
