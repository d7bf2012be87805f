import Glibc

/// An inotify watch on one directory for files that were replaced by
/// rename (`IN_MOVED_TO`) or written and closed (`IN_CLOSE_WRITE`): the two
/// ways a namespace file changes. One owner, closed once.
public struct BenchDirectoryWatch: ~Copyable {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 14)

    /// The corresponding C functions are `inotify_init1` and `inotify_add_watch`.
    /// `includingRemovals`: a file deleted (`IN_DELETE`) or created counts too.
    public init(directory: String, includingRemovals: Bool = false) throws(BenchError) {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw .last("inotify_init1") }
        let mask = UInt32(IN_MOVED_TO) | UInt32(IN_CLOSE_WRITE) | (includingRemovals ? UInt32(IN_DELETE | IN_CREATE) : 0)
        guard inotify_add_watch(fd, directory, mask) >= 0 else {
            let error = BenchError.last("inotify_add_watch \(directory)")
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Discards every event already queued, without waiting.
    public mutating func drain() throws(BenchError) {
        while try readEvents() {}
    }

    /// Waits up to `timeoutMilliseconds` for at least one event and consumes
    /// all queued ones; `false` on timeout.
    public mutating func wait(timeoutMilliseconds: Int32) throws(BenchError) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&poller, 1, timeoutMilliseconds)
            if ready == -1 {
                if errno == EINTR { continue }
                throw .last("poll inotify")
            }
            if ready == 0 { return false }
            try drain()
            return true
        }
    }

    /// Reads one batch of events; `false` when none are queued.
    private mutating func readEvents() throws(BenchError) -> Bool {
        let fd = self.fd
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { return true }
            if count == -1 && errno == EINTR { continue }
            if count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) { return false }
            throw .last("read inotify")
        }
    }
}
