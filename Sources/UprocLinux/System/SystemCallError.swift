import SystemPackage

/// A failed system call: which call, on what, and the errno it returned.
package struct SystemCallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The C function, e.g. `"epoll_ctl"`.
    package var call: String
    /// What it was applied to (a path, a socket), or empty.
    package var subject: String
    package var errno: Errno

    package init(call: String, subject: String = "", errno: Errno) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    package var description: String {
        let reason = limitReached ?? errno.description
        return subject.isEmpty ? "\(call): \(reason)" : "\(call) \(subject): \(reason)"
    }

    /// The per-user inotify limits, in words that name the sysctl to raise:
    /// the kernel's "Too many open files" and "No space left on device"
    /// send a reader to the wrong place.
    private var limitReached: String? {
        switch (call, errno) {
        case ("inotify_init1", .tooManyOpenFiles), ("inotify_init", .tooManyOpenFiles):
            return "too many inotify instances: this user's are at fs.inotify.max_user_instances"
                + " (or this process is out of file descriptors)"
        case ("inotify_add_watch", .noSpace):
            return "too many inotify watches: this user's are at fs.inotify.max_user_watches"
        default:
            return nil
        }
    }
}
