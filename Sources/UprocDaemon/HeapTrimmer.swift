import UprocLinux

/// Gives freed heap back to the kernel a moment after start-up or a reload,
/// once the old tables and the config text are freed too (a trim in the
/// reload itself runs before some of them go; glibc keeps what is freed
/// after it). One `malloc_trim` per quiet moment, off the reload's path.
/// The executable's pages that start-up or the reload mapped go too: what
/// the loop runs is mapped again at its first use (see `ExecutablePages`).
final class HeapTrimmer {
    private var timer: LoopTimer?
    static let delay: UInt64 = 500_000_000

    func attach(to loop: EventLoop) {
        timer = loop.addTimer {
            Malloc.releaseFreeMemory()
            _ = try? ExecutablePages.release()
        }
    }

    /// Trims `delay` from now (a later call within the delay moves nothing).
    func trimSoon() {
        timer?.scheduleNoLaterThan(MonotonicClock.nanoseconds() &+ Self.delay)
    }
}
