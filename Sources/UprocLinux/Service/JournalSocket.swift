/// journald's native protocol (systemd.journal-fields(7), "Native Journal
/// Protocol"): one datagram of fields to `/run/systemd/journal/socket`.
/// Unlike the stdout stream, which ends an entry at every newline (and NUL),
/// a field here may hold newlines: a multi-line diagnostic stays one entry.
package final class JournalSocket: Sendable {
    package static let defaultPath = "/run/systemd/journal/socket"

    package let address: UnixSocketAddress
    private let socket: UnixDatagramSocket

    /// The corresponding C function is `socket`; nothing is connected yet,
    /// so this succeeds even where journald is not running.
    package init(path: String = JournalSocket.defaultPath) throws(SystemCallError) {
        guard let address = UnixSocketAddress(path) else {
            throw SystemCallError(call: "socket", subject: path, errno: .invalidArgument)
        }
        self.address = address
        self.socket = try UnixDatagramSocket()
    }

    /// Sends one entry. `fields` are `(NAME, value)` pairs; names must be
    /// upper-case letters, digits and `_` (journald drops others).
    /// Fails (ENOENT, ECONNREFUSED, EMSGSIZE…) when journald cannot take it;
    /// the caller then falls back to the stream.
    package func send(_ fields: [(name: String, value: String)]) throws(SystemCallError) {
        let datagram = JournalSocket.encode(fields)
        _ = try datagram.withUnsafeBytes { socket.sendResult($0, to: address) }.get()
    }

    /// The wire form: `NAME=value\n` for a value without newlines, else
    /// `NAME\n`, the value's length as 64-bit little endian, the value, `\n`.
    package static func encode(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, value) in fields {
            out.append(contentsOf: name.utf8)
            if value.utf8.contains(UInt8(ascii: "\n")) {
                out.append(UInt8(ascii: "\n"))
                let length = UInt64(value.utf8.count).littleEndian
                withUnsafeBytes(of: length) { out.append(contentsOf: $0) }
            } else {
                out.append(UInt8(ascii: "="))
            }
            out.append(contentsOf: value.utf8)
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }
}
