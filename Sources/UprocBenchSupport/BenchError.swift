import Glibc

/// A failed system call in the benchmark helpers: the call's name and errno.
public struct BenchError: Error, Hashable, Sendable, CustomStringConvertible {
    public var call: String
    public var errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// The error of the call that just failed, from the thread's `errno`.
    static func last(_ call: String) -> BenchError {
        BenchError(call: call, errno: Glibc.errno)
    }

    public var description: String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}
