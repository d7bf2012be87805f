import Glibc

/// An inotify watch on one directory for files that were replaced by
/// rename (`IN_MOVED_TO`) or written and closed (`IN_CLOSE_WRITE`): the two
/// ways a namespace file changes. One owner, closed once.
package struct BenchDirectoryWatch: ~Copyable {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 14)

    /// The corresponding C functions are `inotify_init1` and `inotify_add_watch`.
    /// `includingRemovals`: a file deleted (`IN_DELETE`) or created counts too.
    package init(directory: String, includingRemovals: Bool = false) throws(BenchError) {
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
    package mutating func drain() throws(BenchError) {
        while try readEvents() {}
    }

    /// Waits up to `timeoutMilliseconds` for at least one event and consumes
    /// all queued ones; `false` on timeout.
    package mutating func wait(timeoutMilliseconds: Int32) throws(BenchError) -> Bool {
        guard try readable(within: timeoutMilliseconds) else { return false }
        try drain()
        return true
    }

    /// Whether an event is queued within `timeoutMilliseconds`.
    private func readable(within timeoutMilliseconds: Int32) throws(BenchError) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&poller, 1, timeoutMilliseconds)
            if ready == -1 {
                if errno == EINTR { continue }
                throw .last("poll inotify")
            }
            return ready > 0
        }
    }

    /// Waits up to `timeoutMilliseconds` for at least one event, consumes
    /// all queued ones and tells, per name of `names`, whether an event
    /// named that file (all `true` when the kernel's queue overflowed);
    /// `nil` on timeout. A reader then re-reads only the files that changed.
    package mutating func waitForChanges(among names: [String], timeoutMilliseconds: Int32) throws(BenchError) -> [Bool]? {
        guard try readable(within: timeoutMilliseconds) else { return nil }
        let wanted = names.map { Array($0.utf8) }
        var changed = [Bool](repeating: false, count: names.count)
        while let count = try readBatch() {
            var offset = 0
            // struct inotify_event: wd, mask, cookie, len (4 bytes each), then len bytes of NUL-padded name.
            while offset + 16 <= count {
                let (mask, length) = buffer.withUnsafeBytes {
                    ($0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int($0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                    changed = changed.map { _ in true }
                } else {
                    let name = buffer[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                    for index in wanted.indices where !changed[index] && name.elementsEqual(wanted[index]) {
                        changed[index] = true
                    }
                }
                offset += 16 + length
            }
        }
        return changed
    }

    /// Reads one batch of events into `buffer`; its byte count, `nil` when none are queued.
    private mutating func readBatch() throws(BenchError) -> Int? {
        let fd = self.fd
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { return count }
            if count == -1 && errno == EINTR { continue }
            if count == -1 && (errno == EAGAIN || errno == EWOULDBLOCK) { return nil }
            throw .last("read inotify")
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
