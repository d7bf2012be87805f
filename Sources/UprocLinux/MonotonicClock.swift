import Glibc

/// CLOCK_MONOTONIC: the clock of `ProcEvent.timestamp`.
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 { clockNanoseconds(CLOCK_MONOTONIC) }
}

/// CPU time this process has used (all threads), for figures.
public enum ProcessCPU {
    public static func selfCPUNanoseconds() -> UInt64 { clockNanoseconds(CLOCK_PROCESS_CPUTIME_ID) }
}

@inline(__always)
private func clockNanoseconds(_ clock: clockid_t) -> UInt64 {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
}
