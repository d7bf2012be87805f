import CInotifyTools
import Glibc
import Synchronization
import SystemPackage

/// Watches the files a reload depends on (the config, the files its symlinks
/// lead to, passwd and group) through libinotifytools, and wakes the loop
/// through an eventfd when one of them changes.
///
/// libinotifytools keeps global state, hides its descriptor, blocks in
/// `select()` with whole-second timeouts and is not thread-safe: one
/// dedicated thread owns it from `inotifytools_initialize` to
/// `inotifytools_cleanup`, and nothing else in the process may call it.
/// The thread watches *directories* (an editor's rename-over replaces the
/// file's inode, and a watch on the file would go silent after the first
/// save), filters events by file name, copies each out of the library's
/// static buffer and pokes `wakeUp`. `watch(_:)` and `stop()` interrupt its
/// `select()` with SIGURG (a no-op handler, no `SA_RESTART`) so new paths
/// apply and stopping takes no second; should the signal land just before
/// `select()` starts, the one-second timeout bounds the delay.
public final class ConfigWatcher: Sendable {
    /// Events kept between two `takeEvents()`; more only count as dropped
    /// (the daemon reloads either way).
    public static let eventLimit = 64
    /// Readable when `takeEvents()` has something.
    public let wakeUp: EventFD

    private struct Shared {
        var wanted: Set<String> = []
        /// Bumped by `watch(_:)`; the thread posts `applied` once its
        /// watches match a generation this new.
        var generation = 0
        var appliedGeneration = -1
        var batch = WatchBatch()
        var stopping = false
    }

    private let shared = Mutex(Shared())
    private let thread = Mutex<pthread_t?>(nil)
    /// Posted when the watches match a new generation of paths (the first
    /// one at start), or when setting up failed.
    nonisolated(unsafe) private let ready: UnsafeMutablePointer<sem_t>

    /// What the directories are watched for: every way a name in them can
    /// start meaning another file, and the directory itself going away.
    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)
        | UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
    private static let interruptSignal = SIGURG

    public init() throws(SystemCallError) {
        wakeUp = try EventFD()
        ready = .allocate(capacity: 1)
        sem_init(ready, 0, 0)
    }

    deinit {
        stop()
        sem_destroy(ready)
        ready.deallocate()
    }

    /// Starts the watcher thread and waits (five seconds at most) until it
    /// watches the paths given to `watch(_:)` before: an edit right after
    /// start-up is seen. Call after the signal mask is set: the thread
    /// inherits it. Problems setting inotify up arrive through
    /// `takeEvents().problems`.
    /// The corresponding C function is `pthread_create`.
    public func start() throws(SystemCallError) {
        Self.installInterruptHandler()
        var handle = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(&handle, nil, { raw in
            let watcher = Unmanaged<ConfigWatcher>.fromOpaque(raw!).takeRetainedValue()
            watcher.threadMain()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ConfigWatcher>.fromOpaque(context).release()
            throw SystemCallError(call: "pthread_create", errno: Errno(rawValue: result))
        }
        thread.withLock { $0 = handle }
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += 5
        while sem_timedwait(ready, &deadline) != 0 && errno == EINTR {}
    }


    /// The files (absolute paths) whose changes matter from now on. Events
    /// are filtered against this set from the moment it returns; when the
    /// thread runs, it also waits (a second at most) until a directory new
    /// to the set is watched, so an edit right after is seen.
    public func watch(_ paths: [String]) {
        let changed = shared.withLock { shared in
            let new = Set(paths)
            guard new != shared.wanted else { return false }
            shared.wanted = new
            shared.generation += 1
            return true
        }
        guard changed, thread.withLock({ $0 != nil }) else { return }
        interrupt()
        waitForWatches()
    }

    private func waitForWatches() {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += 1
        while sem_timedwait(ready, &deadline) != 0 && errno == EINTR {}
    }

    /// Everything the thread handed over since the last call.
    public func takeEvents() -> WatchBatch {
        wakeUp.acknowledge()
        return shared.withLock { shared in
            defer { shared.batch = WatchBatch() }
            return shared.batch
        }
    }

    /// Ends the thread and waits for it (it releases libinotifytools first).
    /// The corresponding C function is `pthread_join`.
    public func stop() {
        guard let handle = thread.withLock({ handle in
            defer { handle = nil }
            return handle
        }) else { return }
        shared.withLock { $0.stopping = true }
        pthread_kill(handle, Self.interruptSignal)
        pthread_join(handle, nil)
    }

    // MARK: - the watcher thread

    private func interrupt() {
        if let handle = thread.withLock({ $0 }) { pthread_kill(handle, Self.interruptSignal) }
    }

    private static let handlerInstalled = Mutex(false)

    /// A handler that does nothing, installed without `SA_RESTART`: the
    /// signal's only effect is that `select()` returns EINTR.
    private static func installInterruptHandler() {
        handlerInstalled.withLock { installed in
            guard !installed else { return }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(interruptSignal, &action, nil)
            installed = true
        }
    }

    private func report(_ problem: String) {
        shared.withLock { $0.batch.problems.append(problem) }
        wakeUp.signal()
    }

    private func forward(_ event: WatchEvent) {
        shared.withLock { shared in
            if shared.batch.events.count < Self.eventLimit {
                shared.batch.events.append(event)
            } else {
                shared.batch.dropped += 1
            }
        }
        wakeUp.signal()
    }

    private func threadMain() {
        var isReady = false
        defer { if !isReady { sem_post(ready) } }
        // The creating thread may block it (a test runner's pool threads do).
        var interrupting = sigset_t()
        sigemptyset(&interrupting)
        sigaddset(&interrupting, Self.interruptSignal)
        pthread_sigmask(SIG_UNBLOCK, &interrupting, nil)
        guard inotifytools_initialize() != 0 else {
            report("cannot set up inotify: \(Errno(rawValue: inotifytools_error()))")
            return
        }
        defer { inotifytools_cleanup() }
        var directories: [String: Int32] = [:]  // watched directory → wd
        var byDescriptor: [Int32: String] = [:]
        var reported: Set<String> = []
        while true {
            let (stopping, wanted, generation) = shared.withLock { ($0.stopping, $0.wanted, $0.generation) }
            if stopping { return }
            // Brings the watches in line with what is wanted; a directory
            // that cannot be watched (not there yet) is tried again each round.
            let wantedDirectories = Set(wanted.map(WatchedPaths.directory(of:)))
            for (directory, descriptor) in directories where !wantedDirectories.contains(directory) {
                inotifytools_remove_watch_by_wd(descriptor)
                directories[directory] = nil
                byDescriptor[descriptor] = nil
            }
            for directory in wantedDirectories.sorted() where directories[directory] == nil {
                if inotifytools_watch_file(directory, Int32(bitPattern: Self.mask)) != 0 {
                    let descriptor = inotifytools_wd_from_filename(directory.hasSuffix("/") ? directory : directory + "/")
                    directories[directory] = descriptor
                    byDescriptor[descriptor] = directory
                    reported.remove(directory)
                } else if reported.insert(directory).inserted {
                    report("cannot watch \(directory): \(Errno(rawValue: inotifytools_error()))")
                }
            }

            // Tells start() or watch() the watches are in place.
            let posts = shared.withLock { shared in
                defer { shared.appliedGeneration = generation }
                return shared.appliedGeneration < generation
            }
            if posts || !isReady {
                isReady = true
                sem_post(ready)
            }
            // Checked again just before select(): a stop or new paths whose
            // signal lands in between wait at most the one-second timeout.
            if shared.withLock({ $0.stopping || $0.wanted != wanted }) { continue }
            guard let event = inotifytools_next_event(1) else { continue }
            let mask = event.pointee.mask
            let descriptor = event.pointee.wd
            let length = Int(event.pointee.len)
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                forward(WatchEvent(kind: .overflow, path: "", mask: mask))
                continue
            }
            guard let directory = byDescriptor[descriptor] else { continue }
            if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                // The directory went (or moved, and its watch with it):
                // forget the watch; the next round watches the path again.
                if mask & UInt32(IN_IGNORED) == 0 { inotifytools_remove_watch_by_wd(descriptor) }
                directories[directory] = nil
                byDescriptor[descriptor] = nil
                forward(WatchEvent(kind: .directoryGone, path: directory, mask: mask))
                continue
            }
            guard length > 0 else { continue }
            // `name` is a flexible array member, which Swift does not import.
            let name = String(cString: UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
                .assumingMemoryBound(to: CChar.self))
            let path = WatchedPaths.join(directory, name)
            // The paths wanted now, not at the top of the round: watch()
            // may have changed them while select() waited.
            guard shared.withLock({ $0.wanted.contains(path) }) else { continue }
            // A new regular file is being written: its close comes next.
            // A new symlink or hard link gets no other event.
            if mask & UInt32(IN_CREATE) != 0 && Self.isFreshRegularFile(path) { continue }
            forward(WatchEvent(kind: .changed, path: path, mask: mask))
        }
    }

    private static func isFreshRegularFile(_ path: String) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else { return false }
        return status.st_mode & S_IFMT == S_IFREG && status.st_nlink == 1
    }
}
