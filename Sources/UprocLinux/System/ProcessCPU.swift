import Glibc

/// CPU time this process has used (all threads), for figures.
package enum ProcessCPU {
    /// The corresponding C function is `clock_gettime(CLOCK_PROCESS_CPUTIME_ID)`.
    package static func selfCPUNanoseconds() -> UInt64 { clockNanoseconds(CLOCK_PROCESS_CPUTIME_ID) }
}
