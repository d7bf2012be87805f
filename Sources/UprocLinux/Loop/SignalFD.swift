import CLinuxProc
import Glibc

/// A non-blocking signalfd for a fixed set of signals, which must already be
/// blocked (see `Signals.block`). Owns its descriptor.
package final class SignalFD {
    package let fileDescriptor: Int32

    /// The corresponding C function is `signalfd`.
    package init(signals: [Int32]) throws(SystemCallError) {
        var set = Signals.makeSet(signals)
        fileDescriptor = try syscall("signalfd") { signalfd(-1, &set, CLinuxProc_SFD_FLAGS) }.get()
    }

    deinit { closeDescriptor(fileDescriptor) }

    /// The next pending signal's number, or nil when none is pending.
    package func read() -> Int32? {
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        let result = syscall("read") { Glibc.read(fileDescriptor, &info, size) }
        guard case .success(let count) = result, count == size else { return nil }
        return Int32(bitPattern: info.ssi_signo)
    }
}
