import Glibc

/// CPU time this process has used (all threads), for figures.
public enum ProcessCPU {
    /// The corresponding C function is `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`.
    public static func selfCPUNanoseconds() -> UInt64 { clockNanoseconds(CLOCK_PROCESS_CPUTIME_ID) }
}
