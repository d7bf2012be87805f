import UprocLinux

/// Waits until a PID is listed in (or gone from) several namespace files at
/// once and notes when each file got there: one directory watch, each file
/// not there yet re-read after an event names it, as a user's reader would.
package enum BenchListing {
    /// Returns, per file of `files`, the monotonic time at which `pid`'s
    /// presence was first seen to be `listed`; `nil` for a file still not
    /// there at `deadline` (monotonic nanoseconds). A missing file lists
    /// nothing. The watch must exist before the change it waits for, so a
    /// rename between a read and the wait still wakes the wait.
    package static func wait(
        for pid: Int32, listed: Bool, in files: [String], watch: inout BenchDirectoryWatch, deadline: UInt64
    ) throws(BenchError) -> [UInt64?] {
        var seen = [UInt64?](repeating: nil, count: files.count)
        var left = files.count
        // Only files named by an event are read again: with many files
        // rewritten per change, reading all would make the reader compete
        // with the daemon for the CPUs.
        let names = files.map { String($0.split(separator: "/").last ?? Substring($0)) }
        var changed = [Bool](repeating: true, count: files.count)
        while true {
            for index in files.indices where seen[index] == nil && changed[index] {
                if (try BenchPIDFile.contains(pid, in: files[index]) ?? false) == listed {
                    seen[index] = MonotonicClock.nanoseconds()
                    left -= 1
                }
            }
            let now = MonotonicClock.nanoseconds()
            if left == 0 { return seen }
            if now >= deadline {
                // One last look at every file: an event may have been lost.
                if changed.contains(false) {
                    changed = changed.map { _ in true }
                    continue
                }
                return seen
            }
            let remaining = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            changed = try watch.waitForChanges(among: names, timeoutMilliseconds: remaining)
                ?? [Bool](repeating: false, count: files.count)
        }
    }
}
