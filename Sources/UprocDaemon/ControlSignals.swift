import UprocLinux

/// The signals an administrator sends the daemon, taken from a signalfd in
/// the loop: each signal has its handler; adding one adds an entry.
final class ControlSignals {
    /// What `main` must block before any thread exists.
    static let handled = [SignalNumber.terminate, SignalNumber.interrupt, SignalNumber.hangUp, SignalNumber.user1]

    private let signals: SignalFD
    private var handlers: [Int32: () -> Void] = [:]

    init() throws(SystemCallError) {
        signals = try SignalFD(signals: Self.handled)
    }

    func on(_ signal: Int32, _ handler: @escaping () -> Void) {
        precondition(Self.handled.contains(signal), "signal \(signal) is not blocked in main")
        handlers[signal] = handler
    }

    func attach(to loop: EventLoop) throws(SystemCallError) {
        try loop.addReader(signals.fileDescriptor) { [unowned self] in
            while let signal = signals.read() { handlers[signal]?() }
        }
    }
}
