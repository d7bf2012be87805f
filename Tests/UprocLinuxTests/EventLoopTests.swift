import Foundation
import Glibc
import Testing
import UprocLinux

/// Signal masks are per thread and the signal test changes this thread's:
/// serialized, and everything in one synchronous function (one thread).
@Suite(.serialized) struct EventLoopTests {
    @Test func aBlockedSignalArrivesThroughTheSignalFD() throws {
        Signals.block([SIGUSR1])
        defer { Signals.unblock([SIGUSR1]) }
        let signals = try SignalFD(signals: [SIGUSR1])
        let loop = try EventLoop()
        try loop.register(signals.fileDescriptor, token: 7)

        #expect(signals.read() == nil)  // non-blocking: nothing pending yet
        #expect(ready(loop, timeout: 0) == [])

        // Thread-directed, so only this thread (which blocks it) can take it.
        pthread_kill(pthread_self(), SIGUSR1)
        #expect(ready(loop, timeout: 1000) == [7])
        #expect(signals.read() == SIGUSR1)
        #expect(signals.read() == nil)
        #expect(ready(loop, timeout: 0) == [])
    }

    @Test func aTimerFiresOnceAfterItsDelay() throws {
        let timer = try TimerFD()
        let loop = try EventLoop()
        try loop.register(timer.fileDescriptor, token: 3)

        let start = MonotonicClock.nanoseconds()
        timer.arm(afterNanoseconds: 30_000_000)
        #expect(ready(loop, timeout: 0) == [])
        #expect(ready(loop, timeout: 2000) == [3])
        #expect(MonotonicClock.nanoseconds() - start >= 30_000_000)
        timer.acknowledge()
        #expect(ready(loop, timeout: 50) == [])  // one-shot

        timer.arm(afterNanoseconds: 10_000_000)
        timer.disarm()
        #expect(ready(loop, timeout: 50) == [])
    }

    @Test func anEventFDWakesTheLoopFromAnotherThread() throws {
        let wake = try EventFD()
        let timer = try TimerFD()
        let loop = try EventLoop()
        try loop.register(wake.fileDescriptor, token: 1)
        try loop.register(timer.fileDescriptor, token: 2)
        #expect(ready(loop, timeout: 0) == [])

        let thread = Thread { [wake] in
            usleep(20_000)
            wake.signal()
            wake.signal()  // wake-ups coalesce
        }
        thread.start()
        #expect(ready(loop, timeout: 2000) == [1])
        wake.acknowledge()
        #expect(ready(loop, timeout: 0) == [])

        timer.arm(afterNanoseconds: 0)
        wake.signal()
        usleep(5_000)
        #expect(Set(ready(loop, timeout: 1000)) == [1, 2])
    }

    @Test func registeringADescriptorTwiceIsAnError() throws {
        let wake = try EventFD()
        let loop = try EventLoop()
        try loop.register(wake.fileDescriptor, token: 1)
        #expect(throws: SystemCallError.self) { try loop.register(wake.fileDescriptor, token: 2) }
        let error = SystemCallError(call: "epoll_ctl", subject: "ADD fd 5", errno: .fileExists)
        #expect(error.description == "epoll_ctl ADD fd 5: File exists")
    }

    @Test func descriptorsAreCloseOnExecAndNonBlocking() throws {
        let wake = try EventFD()
        let timer = try TimerFD()
        let signals = try SignalFD(signals: [SIGUSR2])
        let loop = try EventLoop()
        let connector = try ProcConnector(receiveBufferSize: 65536)
        for fd in [wake.fileDescriptor, timer.fileDescriptor, signals.fileDescriptor, connector.fileDescriptor] {
            #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
            #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0)
        }
        #expect(fcntl(loop.fileDescriptor, F_GETFD) & FD_CLOEXEC != 0)
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

    private func ready(_ loop: EventLoop, timeout: Int32) -> [Int] {
        var tokens: [Int] = []
        loop.wait(timeoutMilliseconds: timeout) { tokens.append($0) }
        return tokens
    }
}
