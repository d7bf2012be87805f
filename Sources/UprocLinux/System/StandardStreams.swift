import SystemPackage

/// Unbuffered writes to the standard streams, for CLIs that must not
/// interleave half lines with logging.
package enum StandardStreams {
    package static func writeError(_ text: String) {
        write(text, to: .standardError)
    }

    private static func writeOutput(_ text: String) {
        write(text, to: .standardOutput)
    }

    /// A command's whole output, then its whole error text (empty parts skipped).
    package static func write(_ output: String, _ errors: String) {
        if !output.isEmpty { writeOutput(output) }
        if !errors.isEmpty { writeError(errors) }
    }

    private static func write(_ text: String, to fd: FileDescriptor) {
        var text = text
        text.withUTF8 { bytes in
            _ = try? fd.writeAll(UnsafeRawBufferPointer(bytes))
        }
    }
}
