import CLinuxProc
import Glibc

/// An AF_UNIX datagram address as systemd passes them: a file system path,
/// or an abstract name written with a leading `@` (the kernel's leading NUL).
package struct UnixSocketAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address as written (`/run/systemd/notify`, `@name`).
    package let text: String

    /// Nil when `text` is empty, relative (systemd only passes absolute paths
    /// and `@` names) or longer than `sun_path`.
    package init?(_ text: String) {
        guard let first = text.utf8.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        // A path needs its terminating NUL; an abstract name does not, but its `@` takes the NUL's place.
        guard text.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
        self.text = text
    }

    package var isAbstract: Bool { text.utf8.first == UInt8(ascii: "@") }

    package var description: String { text }

    /// Calls `body` with the `sockaddr_un` and the length that names exactly
    /// this address (for an abstract name, trailing NULs would be part of it).
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        var bytes = Array(text.utf8)
        let count = bytes.count
        if isAbstract { bytes[0] = 0 } else { bytes.append(0) }
        // `init` checked the length; the shim's copy is bounds-checked too.
        let length = CLinuxProc_unix_address(&address, bytes, UInt(count), isAbstract ? 0 : 1)
        precondition(length > 0, "\(text): longer than sun_path")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
        }
    }
}
