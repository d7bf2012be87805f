import Glibc

/// Whether standard error is connected to the journal. systemd sets
/// `JOURNAL_STREAM=<device>:<inode>` for a service whose output goes to
/// journald; a child that redirected stderr inherits the variable, so it
/// counts only when fd 2 still is that stream.
package enum JournalStream {
    /// The variable's value for `fd` (`"<st_dev>:<st_ino>"`, decimal), or
    /// nil when `fd` is not open. The corresponding C function is `fstat`.
    package static func identity(of fd: Int32) -> String? {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return nil }
        return "\(UInt64(status.st_dev)):\(UInt64(status.st_ino))"
    }

    /// True when `journalStream` (default: `$JOURNAL_STREAM`) names `fd`
    /// (default: standard error).
    package static func isJournal(fd: Int32 = STDERR_FILENO,
                                 journalStream: String? = ProcessEnvironment.value("JOURNAL_STREAM")) -> Bool {
        guard let journalStream, let parsed = parse(journalStream), let status = status(of: fd) else { return false }
        return parsed == status
    }

    private static func parse(_ value: String) -> (device: UInt64, inode: UInt64)? {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return nil }
        return (device, inode)
    }

    private static func status(of fd: Int32) -> (device: UInt64, inode: UInt64)? {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return nil }
        return (UInt64(status.st_dev), UInt64(status.st_ino))
    }
}
