import CLinuxProc

/// Gives freed heap back to the kernel. Compiling 100,000 rules and the
/// first scan leave tens of MiB free in malloc's arenas that a long-lived
/// daemon would otherwise keep resident.
public enum HeapTrim {
    /// The corresponding C function is `malloc_trim`.
    public static func releaseFreeMemory() {
        _ = CLinuxProc_malloc_trim(0)
    }

    /// Gives each block of at least `bytes` a mapping of its own, unmapped
    /// as soon as it is freed. glibc does so from 128 KiB, but raises that
    /// bound to the size of the first such block freed (up to 32 MiB): from
    /// then on a reload's tables and config text came from the heap, and
    /// what was freed after its trim stayed resident (0.9 MiB more after
    /// reloads of 40,000 rules, 4 MiB at 100,000). Call before the first
    /// large allocation. The corresponding C function is `mallopt`
    /// with `M_MMAP_THRESHOLD`.
    public static func unmapLargeBlocksWhenFreed(atLeast bytes: Int32 = 128 << 10) {
        _ = CLinuxProc_set_mmap_threshold(bytes)
    }
}
