import CLinuxProc
import Glibc

/// The daemon's one loop, after systemd's sd-event: an epoll set whose
/// sources register with a handler, one-shot timers that share a single
/// timerfd (a small deadline list, not a timerfd each), and post handlers
/// that run after every round. Adding a part adds registrations, not a case
/// to a central `switch`. Confined to one thread; owns the epoll and timer
/// descriptors, not the ones registered with it.
package final class EventLoop {
    package let fileDescriptor: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    private static let capacity: Int32 = 16
    /// Handlers by registration index (the epoll event's data), and their descriptors.
    private var readers: [() -> Void] = []
    private var readerFDs: [Int32] = []
    private var postHandlers: [() -> Void] = []
    private var timers: [LoopTimer] = []
    /// Scratch for `fireDueTimers`, kept to spare an allocation per firing.
    private var due: [LoopTimer] = []
    private let timerFD: TimerFD
    private var timerIndex = 0
    /// The deadline the timerfd is armed for; 0 when disarmed.
    private var armedDeadline: UInt64 = 0
    /// The earliest timer deadline, accuracy aside; 0 when none is scheduled.
    private var earliestDeadline: UInt64 = 0
    /// Whether this round has fired the due timers.
    private var timersFired = false
    private var stopping = false

    /// The corresponding C function is `epoll_create1`.
    package init() throws(SystemCallError) {
        fileDescriptor = try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }.get()
        events = .allocate(capacity: Int(Self.capacity))
        do {
            timerFD = try TimerFD()
        } catch {
            events.deallocate()
            closeDescriptor(fileDescriptor)
            throw error
        }
        timerIndex = try addReaderIndex(timerFD.fileDescriptor) { [unowned self] in acknowledgeTimerFD() }
    }

    deinit {
        events.deallocate()
        closeDescriptor(fileDescriptor)
    }

    /// Calls `handler` on the loop thread whenever `fd` is readable
    /// (level-triggered: a handler that leaves input unread is called again).
    package func addReader(_ fd: Int32, _ handler: @escaping () -> Void) throws(SystemCallError) {
        _ = try addReaderIndex(fd, handler)
    }

    /// Stops (false) or resumes (true) calling `fd`'s handler when it is
    /// readable; errors (EPOLLERR) still call it. Input that arrives
    /// meanwhile queues up, while the other sources, timers and signals are
    /// served as usual: coalescing without sleeping the loop. The
    /// corresponding C function is `epoll_ctl` (`EPOLL_CTL_MOD`).
    package func setWatching(_ fd: Int32, _ watching: Bool) {
        guard let index = readerFDs.firstIndex(of: fd) else { return }
        var event = epoll_event()
        event.events = watching ? EPOLLIN.rawValue : 0
        event.data.u64 = UInt64(index)
        // Fails only for a descriptor closed while registered: a bug.
        if case .failure(let error) = syscall("epoll_ctl", subject: "MOD fd \(fd)", {
            epoll_ctl(fileDescriptor, EPOLL_CTL_MOD, fd, &event)
        }) {
            fatalError("\(error)")
        }
    }

    /// A one-shot timer, not yet scheduled; it lives as long as the loop.
    /// With an `accuracy` (ns) it may fire that much after its deadline, so
    /// that it shares a wake-up with other work (sd-event's accuracy): any
    /// round after the deadline fires it, and the loop only wakes for it
    /// once the accuracy is used up.
    package func addTimer(accuracy: UInt64 = 0, _ handler: @escaping () -> Void) -> LoopTimer {
        let timer = LoopTimer(accuracy: accuracy, handler)
        timers.append(timer)
        return timer
    }

    /// Calls `handler` after every round: once the ready sources and due
    /// timers of one wake-up have been handled (sd-event's post sources).
    /// Post handlers run in the order they were added.
    package func addPostHandler(_ handler: @escaping () -> Void) {
        postHandlers.append(handler)
    }

    /// Runs rounds until `stop()`.
    package func run() {
        stopping = false
        while !stopping { runOnce(timeoutMilliseconds: -1) }
    }

    /// Ends `run()` after the current handler returns; later handlers of the
    /// same round and the post handlers do not run.
    package func stop() { stopping = true }

    /// One round: waits up to `timeoutMilliseconds` (-1: until something is
    /// ready or a timer is due), calls the ready sources' handlers and the
    /// due timers', then the post handlers. EINTR (after SIGSTOP/SIGCONT) is
    /// an empty round.
    func runOnce(timeoutMilliseconds: Int32) {
        armTimerFD()
        timersFired = false
        let count: Int32
        switch syscall("epoll_wait", retryOnInterrupt: false, {
            epoll_wait(fileDescriptor, events, Self.capacity, timeoutMilliseconds)
        }) {
        case .success(let ready): count = ready
        case .failure(let error) where error.errno == .interrupted: count = 0
        case .failure(let error): fatalError("\(error)")  // EBADF, EFAULT, EINVAL: a bug
        }
        for index in 0..<Int(count) {
            guard !stopping else { return }
            readers[Int(events[index].data.u64)]()
        }
        // Timers whose deadline passed ride on this wake-up, whatever caused it.
        if !timersFired && earliestDeadline != 0 && earliestDeadline <= MonotonicClock.nanoseconds() {
            guard !stopping else { return }
            fireDueTimers()
        }
        for handler in postHandlers {
            guard !stopping else { return }
            handler()
        }
    }

    // MARK: - internals

    private func addReaderIndex(_ fd: Int32, _ handler: @escaping () -> Void) throws(SystemCallError) -> Int {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64(readers.count)
        _ = try syscall("epoll_ctl", subject: "ADD fd \(fd)") {
            epoll_ctl(fileDescriptor, EPOLL_CTL_ADD, fd, &event)
        }.get()
        readers.append(handler)
        readerFDs.append(fd)
        return readers.count - 1
    }

    /// Arms the shared timerfd for the earliest deadline plus its timer's
    /// accuracy, if it changed. A handful of timers: a linear scan beats a heap.
    private func armTimerFD() {
        var earliest = UInt64.max
        var latest = UInt64.max
        for timer in timers where timer.deadline != 0 {
            earliest = min(earliest, timer.deadline)
            latest = min(latest, timer.deadline &+ timer.accuracy)
        }
        earliestDeadline = earliest == .max ? 0 : earliest
        let wanted = latest == .max ? 0 : latest
        guard wanted != armedDeadline else { return }
        timerFD.arm(atMonotonicNanoseconds: wanted)
        armedDeadline = wanted
    }

    private func acknowledgeTimerFD() {
        timerFD.acknowledge()
        armedDeadline = 0
        fireDueTimers()
    }

    private func fireDueTimers() {
        timersFired = true
        // Due timers fire in deadline order (under load several fall due in
        // one round); one that a handler schedules again fires next round.
        let now = MonotonicClock.nanoseconds()
        due.removeAll(keepingCapacity: true)
        for timer in timers where timer.deadline != 0 && timer.deadline <= now { due.append(timer) }
        due.sort { $0.deadline < $1.deadline }
        for timer in due {
            guard !stopping else { return }
            // An earlier handler may have cancelled or moved it.
            guard timer.deadline != 0, timer.deadline <= now else { continue }
            // Cleared first: the handler may schedule it again.
            timer.deadline = 0
            timer.handler()
        }
    }
}

/// A one-shot deadline on an `EventLoop` (CLOCK_MONOTONIC). Scheduling
/// replaces the previous deadline. Confined to the loop's thread.
package final class LoopTimer {
    /// CLOCK_MONOTONIC nanoseconds; 0 when not scheduled.
    package fileprivate(set) var deadline: UInt64 = 0
    /// How late it may fire to share a wake-up (ns).
    package let accuracy: UInt64
    fileprivate let handler: () -> Void

    fileprivate init(accuracy: UInt64, _ handler: @escaping () -> Void) {
        self.accuracy = accuracy
        self.handler = handler
    }

    package var isScheduled: Bool { deadline != 0 }

    /// Fires at `deadline` (CLOCK_MONOTONIC ns), or at the next round if it
    /// has passed.
    package func schedule(at deadline: UInt64) { self.deadline = max(deadline, 1) }

    package func schedule(afterNanoseconds nanoseconds: UInt64) {
        schedule(at: MonotonicClock.nanoseconds() &+ nanoseconds)
    }

    /// Schedules at `deadline` unless the timer is already due sooner.
    package func scheduleNoLaterThan(_ deadline: UInt64) {
        if self.deadline == 0 || deadline < self.deadline { schedule(at: deadline) }
    }

    package func cancel() { deadline = 0 }
}
