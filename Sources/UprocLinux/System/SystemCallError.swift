import SystemPackage

/// A failed system call: which call, on what, and the errno it returned.
public struct SystemCallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The C function, e.g. `"epoll_ctl"`.
    public var call: String
    /// What it was applied to (a path, a socket), or empty.
    public var subject: String
    public var errno: Errno

    public init(call: String, subject: String = "", errno: Errno) {
        self.call = call
        self.subject = subject
        self.errno = errno
    }

    public var description: String {
        subject.isEmpty
            ? "\(call): \(errno.description)"
            : "\(call) \(subject): \(errno.description)"
    }
}
