import CLinuxProc

/// glibc's allocator. Compiling 100,000 rules and the first scan leave tens
/// of MiB free in malloc's arenas that a long-lived daemon would otherwise
/// keep resident.
package enum Malloc {
    /// Gives freed heap back to the kernel.
    /// The corresponding C function is `malloc_trim`.
    package static func releaseFreeMemory() {
        _ = CLinuxProc_malloc_trim(0)
    }
}
