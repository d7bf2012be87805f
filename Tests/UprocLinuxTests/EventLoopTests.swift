import Foundation
import Glibc
import Testing
@testable import UprocLinux

/// Signal masks are per thread and the signal test changes this thread's:
/// serialized, and everything in one synchronous function (one thread).
@Suite(.serialized) struct EventLoopTests {
    @Test func aBlockedSignalReachesItsHandlerThroughTheSignalFD() throws {
        Signals.block([SIGUSR1])
        defer {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGUSR1)
            pthread_sigmask(SIG_UNBLOCK, &set, nil)
        }
        let signals = try SignalFD(signals: [SIGUSR1])
        let loop = try EventLoop()
        var received: [Int32] = []
        try loop.addReader(signals.fileDescriptor) {
            while let signal = signals.read() { received.append(signal) }
        }
        loop.runOnce(timeoutMilliseconds: 0)
        #expect(received == [])

        // Thread-directed, so only this thread (which blocks it) can take it.
        pthread_kill(pthread_self(), SIGUSR1)
        loop.runOnce(timeoutMilliseconds: 1000)
        #expect(received == [SIGUSR1])
        loop.runOnce(timeoutMilliseconds: 0)
        #expect(received == [SIGUSR1])
    }

    @Test func timersShareOneTimerFDAndFireInDeadlineOrder() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        let late = loop.addTimer { fired.append("late") }
        let early = loop.addTimer { fired.append("early") }
        let cancelled = loop.addTimer { fired.append("cancelled") }
        let start = MonotonicClock.nanoseconds()
        late.schedule(at: start + 60_000_000)
        early.schedule(at: start + 20_000_000)
        cancelled.schedule(at: start + 10_000_000)
        cancelled.cancel()
        #expect(!cancelled.isScheduled)

        loop.runOnce(timeoutMilliseconds: 0)
        #expect(fired == [])
        runRounds(loop) { fired.count >= 2 }
        #expect(fired == ["early", "late"])
        #expect(MonotonicClock.nanoseconds() - start >= 60_000_000)
        #expect(!late.isScheduled && !early.isScheduled)

        // One-shot: nothing more without a new deadline.
        loop.runOnce(timeoutMilliseconds: 80)
        #expect(fired == ["early", "late"])
    }

    @Test func timersDueInOneRoundFireInDeadlineOrderAndMayCancelEachOther() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        var cancelled: LoopTimer?
        let late = loop.addTimer { fired.append("late") }
        let early = loop.addTimer {
            fired.append("early")
            cancelled?.cancel()
        }
        cancelled = loop.addTimer { fired.append("cancelled") }
        // All three have passed by the time the loop looks: one round.
        let now = MonotonicClock.nanoseconds()
        late.schedule(at: now - 1_000_000)
        cancelled?.schedule(at: now - 2_000_000)
        early.schedule(at: now - 3_000_000)
        loop.runOnce(timeoutMilliseconds: 1000)
        #expect(fired == ["early", "late"])
        #expect(cancelled?.isScheduled == false)
    }

    @Test func reschedulingReplacesAndNoLaterThanKeepsTheSooner() throws {
        let loop = try EventLoop()
        var count = 0
        let timer = loop.addTimer { count += 1 }
        let now = MonotonicClock.nanoseconds()
        timer.schedule(at: now + 10_000_000_000)
        timer.scheduleNoLaterThan(now + 20_000_000_000)
        #expect(timer.deadline == now + 10_000_000_000)
        timer.scheduleNoLaterThan(now + 5_000_000)
        #expect(timer.deadline == now + 5_000_000)
        loop.runOnce(timeoutMilliseconds: 2000)
        #expect(count == 1)
    }

    @Test func aTimerHandlerMayScheduleItselfAgain() throws {
        let loop = try EventLoop()
        var count = 0
        var timer: LoopTimer?
        timer = loop.addTimer {
            count += 1
            if count < 3 { timer?.schedule(afterNanoseconds: 1_000_000) }
        }
        timer?.schedule(afterNanoseconds: 1_000_000)
        runRounds(loop) { count >= 3 }
        #expect(count == 3)
    }

    @Test func anEventFDWakesTheLoopFromAnotherThread() throws {
        let (loop, wake) = try loopWithEventFD()
        var wakeups = 0
        try loop.addReader(wake.fileDescriptor) {
            wake.acknowledge()
            wakeups += 1
        }
        loop.runOnce(timeoutMilliseconds: 0)
        #expect(wakeups == 0)

        // Blocked in epoll_wait, the loop is woken by another thread.
        let thread = Thread { [wake] in
            usleep(20_000)
            wake.signal()
        }
        thread.start()
        runRounds(loop) { wakeups > 0 }
        #expect(wakeups == 1)

        // Wake-ups that come before the loop reads coalesce into one.
        wake.signal()
        wake.signal()
        loop.runOnce(timeoutMilliseconds: 1000)
        loop.runOnce(timeoutMilliseconds: 0)
        #expect(wakeups == 2)
    }

    @Test func postHandlersRunAfterEveryRoundInOrder() throws {
        let (loop, wake) = try loopWithEventFD()
        var log: [String] = []
        try loop.addReader(wake.fileDescriptor) {
            wake.acknowledge()
            log.append("source")
        }
        loop.addPostHandler { log.append("first") }
        loop.addPostHandler { log.append("second") }
        wake.signal()
        loop.runOnce(timeoutMilliseconds: 1000)
        #expect(log == ["source", "first", "second"])
        loop.runOnce(timeoutMilliseconds: 0)
        #expect(log == ["source", "first", "second", "first", "second"])
    }

    @Test func stopEndsRunAndSkipsTheRestOfTheRound() throws {
        let (loop, wake) = try loopWithEventFD()
        var posts = 0
        try loop.addReader(wake.fileDescriptor) {
            wake.acknowledge()
            loop.stop()
        }
        loop.addPostHandler { posts += 1 }
        let timer = loop.addTimer { wake.signal() }
        timer.schedule(afterNanoseconds: 5_000_000)
        loop.run()  // returns: the timer's wake-up stops it
        #expect(posts == 1)  // the timer's round, not the stopping one
    }

    /// A reader set aside is not called while its input queues up; the
    /// loop meanwhile serves timers; watched again, one call takes it all.
    @Test func aReaderSetAsideIsNotCalledWhileTheLoopServesTimers() throws {
        let (loop, wake) = try loopWithEventFD()
        var reads: [UInt64] = []
        try loop.addReader(wake.fileDescriptor) {
            var value: UInt64 = 0
            if read(wake.fileDescriptor, &value, 8) == 8 { reads.append(value) }
        }
        var fired = 0
        let timer = loop.addTimer { fired += 1 }
        loop.setWatching(wake.fileDescriptor, false)
        wake.signal()
        wake.signal()
        timer.schedule(afterNanoseconds: 2_000_000)
        runRounds(loop) { fired == 1 }
        loop.runOnce(timeoutMilliseconds: 20)
        #expect(fired == 1)
        #expect(reads == [])
        loop.setWatching(wake.fileDescriptor, true)
        loop.runOnce(timeoutMilliseconds: 1000)
        #expect(reads == [2])
    }

    /// A timer with an accuracy rides on a wake-up that comes after its
    /// deadline, and wakes the loop itself only once the accuracy is used up.
    @Test func aTimerWithAnAccuracySharesAWakeUp() throws {
        let (loop, wake) = try loopWithEventFD()
        try loop.addReader(wake.fileDescriptor) { wake.acknowledge() }
        var firedAt: UInt64 = 0
        let lenient = loop.addTimer(accuracy: 10_000_000_000) { firedAt = MonotonicClock.nanoseconds() }
        let start = MonotonicClock.nanoseconds()
        lenient.schedule(at: start + 5_000_000)
        loop.runOnce(timeoutMilliseconds: 0)
        #expect(firedAt == 0 || MonotonicClock.nanoseconds() >= start + 5_000_000)
        // Past its deadline, nothing makes the loop's descriptor readable (10 s of accuracy).
        var poller = pollfd(fd: loop.fileDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&poller, 1, 50) == 0)
        // Another wake-up fires it.
        wake.signal()
        loop.runOnce(timeoutMilliseconds: 1000)
        #expect(firedAt >= start + 5_000_000)
        #expect(!lenient.isScheduled)

        // With less accuracy the loop wakes for it by deadline + accuracy.
        firedAt = 0
        let scheduled = MonotonicClock.nanoseconds()
        let short = loop.addTimer(accuracy: 20_000_000) { firedAt = MonotonicClock.nanoseconds() }
        short.schedule(at: scheduled + 10_000_000)
        runRounds(loop) { firedAt != 0 }
        #expect(firedAt >= scheduled + 10_000_000)
    }

    @Test func registeringADescriptorTwiceIsAnError() throws {
        let wake = try EventFD()
        let loop = try EventLoop()
        try loop.addReader(wake.fileDescriptor) {}
        #expect(throws: SystemCallError.self) { try loop.addReader(wake.fileDescriptor) {} }
        let error = SystemCallError(call: "epoll_ctl", subject: "ADD fd 5", errno: .fileExists)
        #expect(error.description == "epoll_ctl ADD fd 5: File exists")
    }

    @Test func descriptorsAreCloseOnExecAndNonBlocking() throws {
        let wake = try EventFD()
        let signals = try SignalFD(signals: [SIGUSR2])
        let loop = try EventLoop()
        let connector = try ProcConnector(receiveBufferSize: 65536)
        for fd in [wake.fileDescriptor, signals.fileDescriptor, connector.fileDescriptor] {
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
            #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
        }
        #expect(fcntl(loop.fileDescriptor, F_GETFD) & FD_CLOEXEC != 0)
        // The loop's own timerfd: every descriptor this process holds is close-on-exec.
        let own = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int32.init)
        for fd in own where fd > 2 && fcntl(fd, F_GETFD) >= 0 {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) ?? ""
            if target.contains("timerfd") { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0) }
        }
    }

    @Test func clocksAdvance() {
        let monotonic = MonotonicClock.nanoseconds()
        let cpu = ProcessCPU.selfCPUNanoseconds()
        var sink: UInt64 = 0
        for index in 0..<2_000_000 { sink &+= UInt64(index) &* 31 }
        #expect(sink != 1)
        #expect(MonotonicClock.nanoseconds() > monotonic)
        #expect(ProcessCPU.selfCPUNanoseconds() > cpu)
    }

    private func loopWithEventFD() throws -> (EventLoop, EventFD) {
        (try EventLoop(), try EventFD())
    }

    /// Runs rounds until `done` (or two seconds pass: the test then fails on its expectation).
    private func runRounds(_ loop: EventLoop, until done: () -> Bool) {
        let start = MonotonicClock.nanoseconds()
        while !done() && MonotonicClock.nanoseconds() - start < 2_000_000_000 {
            loop.runOnce(timeoutMilliseconds: 1000)
        }
    }
}
