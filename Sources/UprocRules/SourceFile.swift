/// A configuration's text and the name to print in diagnostics.
package struct SourceFile: Sendable {
    /// Files larger than this are refused rather than read.
    package static let maxSize = 64 << 20

    package let path: String
    package let bytes: [UInt8]

    package init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    package init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The bytes of 1-based `line`, without its `\n` (nor the `\r` of a
    /// CRLF end); empty past the end.
    package func lineBytes(_ line: Int) -> ArraySlice<UInt8> {
        var current = 1
        var start = bytes.startIndex
        while current < line {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { return [] }
            start = newline + 1
            current += 1
        }
        var end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return bytes[start..<end]
    }
}
