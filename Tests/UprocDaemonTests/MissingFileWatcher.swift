import Foundation

/// Opens a file over and over on its own thread, counting the times it was
/// missing (what a reader running `cat` would have hit).
final class MissingFileWatcher: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var stopped = false
    private var reads = 0
    private var missing = 0
    private let done = DispatchSemaphore(value: 0)

    init(path: String) {
        self.path = path
        Thread { self.run() }.start()
    }

    private func run() {
        while true {
            lock.lock()
            let stop = stopped
            lock.unlock()
            if stop { break }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            lock.lock()
            reads += 1
            if fd < 0 { missing += 1 } else { close(fd) }
            lock.unlock()
            usleep(200)
        }
        done.signal()
    }

    /// Stops the thread; how many opens there were and how many failed.
    func stop() -> (reads: Int, missing: Int) {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
        lock.lock()
        defer { lock.unlock() }
        return (reads, missing)
    }
}
