import Foundation
import Testing
import UprocTestSupport

extension UprocdEndToEnd {
    /// A process started alone is listed at once: the daemon's loop never
    /// sleeps, so no start waits out a pause, whatever came before it.
    @Suite struct LoneStart {
        /// Processes started one at a time, about 10 ms apart, with the
        /// default `--min-interval`: while they come and go, the loop's
        /// thread is only ever seen running or waiting for input (in
        /// `epoll_wait`), never asleep; and each is listed, then unlisted.
        /// Sampling the thread's wait channel asserts the mechanism rather
        /// than a time, so a loaded machine cannot fail it.
        @Test func theLoopNeverSleepsWhileProcessesStartOneAtATime() async throws {
            try Kernel.require()
            let harness = try Harness(config: "uid 4264 u\ngid 4264 g\ncmd uproctest1 x\n")
            let daemon = try await harness.startDaemon(arguments: ["-c", harness.config, "--log-level", "debug", harness.out])
            let program = try harness.link("uproctest1", to: "/bin/sleep")
            let sampler = WaitChannelSampler(pid: daemon.pid)
            for _ in 0..<40 {
                let child = try harness.spawn(uid: 4264, ["/bin/sh", "-c", "exec \(program) 30"])
                try await harness.waitUntil(namespace: "x", "lists \(child.pid)") { $0.contains(child.pid) }
                harness.killAndReap(child)
                try await harness.waitUntil(namespace: "x", "no longer lists \(child.pid)") { !$0.contains(child.pid) }
                try await Task.sleep(for: .milliseconds(10))
            }
            let seen = sampler.stop()
            let shown = seen.sorted { $0.value > $1.value }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            // The sampling works: the idle loop was seen waiting for events.
            #expect(seen.keys.contains { $0.contains("epoll") }, "never seen in epoll_wait; wait channels seen: \(shown)")
            #expect(!seen.keys.contains { $0.contains("sleep") }, "the loop slept; wait channels seen: \(shown)")
            try await daemon.stop()
        }
    }
}

/// Reads `/proc/PID/wchan` (where the process's main thread waits, "0"
/// while it runs) as often as it can on a thread of its own, counting each
/// value, until `stop`.
final class WaitChannelSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(pid: Int32) {
        let path = "/proc/\(pid)/wchan"
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 128)
            while lock.withLock({ running }) {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { break }
                let count = read(fd, &buffer, buffer.count)
                close(fd)
                if count > 0 {
                    let value = String(decoding: buffer[..<count], as: UTF8.self)
                    lock.withLock { counts[value, default: 0] += 1 }
                }
            }
            done.signal()
        }
        thread.start()
    }

    /// Ends the sampling; what was seen, with how many samples each.
    func stop() -> [String: Int] {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { counts }
    }
}
