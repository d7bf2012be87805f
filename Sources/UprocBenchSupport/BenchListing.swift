import UprocLinux

/// Waits until a PID is listed in (or gone from) several namespace files at
/// once and notes when each file got there: one directory watch, every file
/// not there yet re-read after each event, as a user's reader would.
public enum BenchListing {
    /// Returns, per file of `files`, the monotonic time at which `pid`'s
    /// presence was first seen to be `listed`; `nil` for a file still not
    /// there at `deadline` (monotonic nanoseconds). A missing file lists
    /// nothing. The watch must exist before the change it waits for, so a
    /// rename between a read and the wait still wakes the wait.
    public static func wait(
        for pid: Int32, listed: Bool, in files: [String], watch: inout BenchDirectoryWatch, deadline: UInt64
    ) throws(BenchError) -> [UInt64?] {
        var seen = [UInt64?](repeating: nil, count: files.count)
        var left = files.count
        while true {
            for index in files.indices where seen[index] == nil {
                if (try BenchPIDFile.contains(pid, in: files[index]) ?? false) == listed {
                    seen[index] = MonotonicClock.nanoseconds()
                    left -= 1
                }
            }
            let now = MonotonicClock.nanoseconds()
            if left == 0 || now >= deadline { return seen }
            let remaining = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            _ = try watch.wait(timeoutMilliseconds: remaining)
        }
    }
}
