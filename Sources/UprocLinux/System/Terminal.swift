import CLinuxProc
import Glibc

/// The few terminal calls `uproc-top` needs: its size, keys without
/// Enter or echo, and a wait for a key that ends after a delay.
package enum Terminal {
    /// Whether `fd` is a terminal. The corresponding C function is `isatty`.
    package static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// `fd`'s terminal size, or nil when it is no terminal (or reports 0).
    package static func size(_ fd: Int32) -> (rows: Int, columns: Int)? {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        guard CLinuxProc_terminal_size(fd, &rows, &columns) == 0, rows > 0, columns > 0 else { return nil }
        return (Int(rows), Int(columns))
    }

    /// Sleeps `milliseconds` (no input read). The corresponding C function is `poll`.
    package static func pause(milliseconds: Int32) {
        _ = syscall("poll") { poll(nil, 0, max(milliseconds, 0)) }
    }

    /// Waits up to `milliseconds` for input on `fd` and returns one byte of
    /// it, or nil when none came (or the input ended). The corresponding C
    /// functions are `poll` and `read`.
    package static func readKey(_ fd: Int32, waitingMilliseconds milliseconds: Int32) -> UInt8? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard case .success(let ready) = syscall("poll", { poll(&poller, 1, max(milliseconds, 0)) }), ready > 0 else { return nil }
        var byte: UInt8 = 0
        guard case .success(let count) = syscall("read", { Glibc.read(fd, &byte, 1) }), count == 1 else { return nil }
        return byte
    }
}

/// A terminal in "cbreak" mode while this lives: keys arrive one at a time,
/// without echo; signals (Ctrl-C) still work. The mode it found is
/// restored by `restore()` (and on deinit). Owns nothing but the saved mode.
package final class RawTerminal {
    package let fileDescriptor: Int32
    private var saved: termios
    private var restored = false

    /// Switches `fd` to cbreak mode. The corresponding C functions are
    /// `tcgetattr` and `tcsetattr`.
    /// `signalKeys` false: Ctrl-C and Ctrl-\\ arrive as keys (3, 28), so
    /// that the caller can restore the terminal before it ends.
    package init(_ fd: Int32, signalKeys: Bool = true) throws(SystemCallError) {
        var mode = termios()
        try syscall("tcgetattr") { tcgetattr(fd, &mode) }.get()
        saved = mode
        mode.c_lflag &= ~tcflag_t(ICANON | ECHO)
        if !signalKeys { mode.c_lflag &= ~tcflag_t(ISIG) }
        withUnsafeMutableBytes(of: &mode.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        try syscall("tcsetattr") { tcsetattr(fd, TCSANOW, &mode) }.get()
        fileDescriptor = fd
    }

    /// Puts the terminal back as it was.
    package func restore() {
        guard !restored else { return }
        restored = true
        _ = syscall("tcsetattr") { tcsetattr(fileDescriptor, TCSANOW, &saved) }
    }

    deinit { restore() }
}
