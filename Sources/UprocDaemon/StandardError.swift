import UprocLinux

/// Writes text to standard error unbuffered (the executables do not import Glibc).
public func writeStandardError(_ text: String) {
    StandardStreams.writeError(text)
}
