import UprocLinux

/// Start-up self-test, after subscribing: forks a child that exits at once
/// and waits up to `milliseconds` for its FORK or EXIT event. A
/// subscription can be accepted and still deliver nothing (a container: a
/// non-initial PID or user namespace); serving files that never change
/// would be worse than not starting. Events read meanwhile are applied.
enum SelfTest {
    static func run(_ follower: KernelFollower, milliseconds: UInt64 = 2_000) throws(DaemonError) {
        let child: Int32
        do { child = try TrivialChild.start() } catch {
            throw .kernel("self-test: cannot fork a test child: \(error)")
        }
        follower.expectEvent(of: child)
        defer { follower.expectEvent(of: 0) }
        let deadline = MonotonicClock.nanoseconds() &+ milliseconds &* 1_000_000
        var reaped = false
        while !follower.expectedSeen {
            follower.drain()
            if follower.expectedSeen { break }
            if !reaped {
                TrivialChild.reap(child)
                reaped = true
                continue
            }
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else { break }
            _ = follower.connector.waitReadable(milliseconds: Int32(clamping: (deadline &- now) / 1_000_000 &+ 1))
        }
        if !reaped { TrivialChild.reap(child) }
        guard follower.expectedSeen else {
            let reason = TrivialChild.namespaceObstacle()
                ?? "the subscription was accepted but the kernel delivers nothing to it (is the proc connector, CONFIG_PROC_EVENTS, working?)"
            throw .kernel("self-test: no process event arrived within \(milliseconds) ms of forking test child \(child): \(reason)")
        }
        follower.state.logger.debug("self-test passed", metadata: ["child": "\(child)"])
    }
}
