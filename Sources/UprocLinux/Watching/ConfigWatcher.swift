import CInotifyTools
import Glibc
import Synchronization
import SystemPackage

/// Watches the files a reload depends on (the config, passwd and group)
/// through libinotifytools, and wakes the loop through an eventfd when one
/// of them may have changed.
///
/// libinotifytools keeps global state, hides its descriptor, blocks in
/// `select()` with whole-second timeouts and is not thread-safe: one
/// dedicated thread owns it, and nothing else in the process may call it.
/// The thread watches *directories*: every directory read to open each file
/// (its own, each one on the way from `/`, each one a symlink leads to, for
/// a link in the file's name or in a directory's), since a change of any
/// name looked up there can make the path mean another file, and an
/// editor's rename-over would end a watch on the file itself. It filters
/// events by those names, copies each out of the library's static buffer
/// and pokes `wakeUp`: a change of a file itself is an event; when a name
/// on the way leads elsewhere or a directory on it is replaced, the thread
/// sets up a new session (`WatchSession`) and says so
/// (`WatchBatch.established`): what changed is for the caller to compare. `watch(_:)` and `stop()` interrupt its `select()` with SIGURG
/// (a no-op handler, no `SA_RESTART`) so new paths apply and stopping takes
/// no second; should the signal land just before `select()` starts, the
/// one-second timeout bounds the delay.
package final class ConfigWatcher: Sendable {
    /// Events kept between two `takeEvents()`; more only count as dropped
    /// (the daemon reloads either way).
    package static let eventLimit = 64
    /// Readable when `takeEvents()` has something.
    package let wakeUp: EventFD

    private struct Shared {
        var wanted: [String] = []
        /// Bumped by `watch(_:)`; the thread posts `ready` once it tried
        /// to watch a generation this new.
        var generation = 0
        var triedGeneration = -1
        var batch = WatchBatch()
        var stopping = false
    }

    private let shared = Mutex(Shared())
    private let thread = Mutex<pthread_t?>(nil)
    /// Posted when the thread tried to watch a new generation of paths (the
    /// first one at start).
    nonisolated(unsafe) private let ready: UnsafeMutablePointer<sem_t>

    private static let interruptSignal = SIGURG

    package init() throws(SystemCallError) {
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
    package func start() throws(SystemCallError) {
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
        waitUntilTried(shared.withLock { $0.generation }, seconds: 5)
    }

    /// The files whose changes matter from now on. When the thread runs,
    /// waits (a second at most) until it watches them, so an edit right
    /// after is seen.
    package func watch(_ files: [String]) {
        let generation = shared.withLock { shared in
            guard files != shared.wanted else { return nil as Int? }
            shared.wanted = files
            shared.generation += 1
            return shared.generation
        }
        guard let generation, thread.withLock({ $0 != nil }) else { return }
        interrupt()
        waitUntilTried(generation, seconds: 1)
    }

    /// Waits (`seconds` at most) until the thread tried to watch the paths
    /// of `generation`; a post left from an older one only wakes it early.
    private func waitUntilTried(_ generation: Int, seconds: Int) {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += seconds
        while shared.withLock({ $0.triedGeneration < generation }) {
            if sem_timedwait(ready, &deadline) != 0 && errno == ETIMEDOUT { return }
        }
    }

    /// Everything the thread handed over since the last call.
    package func takeEvents() -> WatchBatch {
        wakeUp.acknowledge()
        return shared.withLock { shared in
            defer { shared.batch = WatchBatch() }
            return shared.batch
        }
    }

    /// Ends the thread and waits for it (it releases libinotifytools first).
    /// The corresponding C function is `pthread_join`.
    package func stop() {
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

    private func report(_ problem: SystemCallError) {
        shared.withLock { $0.batch.problems.append(problem) }
        wakeUp.signal()
    }

    private func reportEstablished() {
        shared.withLock { $0.batch.established = true }
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
        // The creating thread may block it (a test runner's pool threads do).
        var interrupting = sigset_t()
        sigemptyset(&interrupting)
        sigaddset(&interrupting, Self.interruptSignal)
        pthread_sigmask(SIG_UNBLOCK, &interrupting, nil)
        var session: WatchSession?
        defer { session?.close() }
        /// The session no longer matches the files' directories.
        var stale = true
        var sessionFiles: [String] = []
        var lastProblem: SystemCallError?
        while true {
            let (stopping, wanted, generation) = shared.withLock { ($0.stopping, $0.wanted, $0.generation) }
            if stopping { return }
            if stale || wanted != sessionFiles {
                session?.close()
                session = nil
                switch Self.establish(wanted) {
                case .success(let established):
                    session = established
                    stale = false
                    lastProblem = nil
                    reportEstablished()
                case .failure(let problem):
                    if problem != lastProblem { report(problem) }
                    lastProblem = problem
                }
                sessionFiles = wanted
                // Tells start() or watch() the watches are in place (or cannot be).
                let posts = shared.withLock { shared in
                    defer { shared.triedGeneration = generation }
                    return shared.triedGeneration < generation
                }
                if posts { sem_post(ready) }
            }
            // Checked again just before waiting: a stop or new paths whose
            // signal lands in between wait at most the one-second timeout.
            if shared.withLock({ $0.stopping || $0.wanted != wanted }) { continue }
            guard let session else {
                // Tried again after a second (a limit may be raised, a watch freed).
                _ = poll(nil, 0, 1000)
                continue
            }
            guard let event = session.next(waitingUpTo: 1) else { continue }
            if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
                forward(WatchEvent(kind: .overflow, path: "", mask: event.mask))
                stale = true
                continue
            }
            if event.mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT) != 0 {
                // A directory on the way went (or moved, and its watch with
                // it): the next session compares what it finds.
                stale = !event.directories.isEmpty
                continue
            }
            guard !event.name.isEmpty else { continue }
            let paths = event.directories.map { WatchedPaths.join($0, event.name) }.filter(session.watched.entries.contains)
            guard !paths.isEmpty else { continue }
            for path in paths where session.watched.ends.contains(path) {
                // A new regular file is being written: its close comes next.
                // A new symlink or hard link gets no other event.
                if event.mask & UInt32(IN_CREATE) != 0 && Self.isFreshRegularFile(path) { continue }
                forward(WatchEvent(kind: .changed, path: path, mask: event.mask))
            }
            // A name on the way changed: when it leads elsewhere now, the
            // next session compares what it finds.
            stale = WatchedDirectories(files: wanted) != session.watched
        }
    }

    /// A session watching what `files` depend on, once the names did not
    /// change while it was set up (a few tries: what changes after is seen).
    private static func establish(_ files: [String]) -> Result<WatchSession, SystemCallError> {
        var watched = WatchedDirectories(files: files)
        var tries = 0
        while true {
            tries += 1
            let session: WatchSession
            do {
                session = try WatchSession(watched)
            } catch {
                let now = WatchedDirectories(files: files)
                if now != watched && tries < 5 {
                    watched = now
                    continue
                }
                return .failure(error)
            }
            let now = WatchedDirectories(files: files)
            if now == watched || tries >= 5 { return .success(session) }
            session.close()
            watched = now
        }
    }

    private static func isFreshRegularFile(_ path: String) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else { return false }
        return status.st_mode & S_IFMT == S_IFREG && status.st_nlink == 1
    }
}
