import Glibc

/// A failed system call in the benchmark helpers: the call's name and errno.
package struct BenchError: Error, Hashable, Sendable, CustomStringConvertible {
    package var call: String
    package var errno: Int32

    package init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// The error of the call that just failed, from the thread's `errno`.
    static func last(_ call: String) -> BenchError {
        BenchError(call: call, errno: Glibc.errno)
    }

    package var description: String {
        "\(call): \(String(cString: strerror(errno)))"
    }
}
