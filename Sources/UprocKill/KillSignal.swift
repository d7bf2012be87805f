import UprocLinux

/// A signal as `kill(1)` takes it: a number (0 checks only), a name with or
/// without `SIG` in any case (`TERM`, `sigterm`), or a real-time signal
/// relative to either end (`RTMIN`, `RTMIN+3`, `RTMAX-1`).
package struct KillSignal: Hashable, Sendable, CustomStringConvertible {
    package var number: Int32

    package init(number: Int32) { self.number = number }

    package static let terminate = KillSignal(number: SignalNames.standard.first { $0.name == "TERM" }!.number)

    /// Nil when `text` names no signal of this system.
    package init?(_ text: String) {
        if let number = Int32(text), text.first != "+" {
            guard number >= 0, number <= SignalNames.realtimeMaximum else { return nil }
            self.number = number
            return
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let known = SignalNames.standard.first(where: { $0.name == name }) {
            number = known.number
            return
        }
        guard let realtime = Self.realtime(name) else { return nil }
        number = realtime
    }

    /// `RTMIN`, `RTMIN+N`, `RTMAX`, `RTMAX-N`, within the real-time range.
    private static func realtime(_ name: String) -> Int32? {
        let low = SignalNames.realtimeMinimum
        let high = SignalNames.realtimeMaximum
        let value: Int32?
        if name == "RTMIN" {
            value = low
        } else if name == "RTMAX" {
            value = high
        } else if name.hasPrefix("RTMIN+"), let offset = Int32(name.dropFirst(6)), offset >= 0, name.dropFirst(6).first != "+" {
            value = low.addingReportingOverflow(offset).overflow ? nil : low + offset
        } else if name.hasPrefix("RTMAX-"), let offset = Int32(name.dropFirst(6)), offset >= 0, name.dropFirst(6).first != "+" {
            value = high - offset
        } else {
            value = nil
        }
        guard let value, value >= low, value <= high else { return nil }
        return value
    }

    /// The name `kill -l` would print (`TERM`, `RTMIN+2`), or the number.
    package var description: String {
        if let known = SignalNames.standard.first(where: { $0.number == number }) { return known.name }
        let low = SignalNames.realtimeMinimum
        let high = SignalNames.realtimeMaximum
        if number >= low && number <= high {
            let fromLow = number - low
            let fromHigh = high - number
            if fromLow == 0 { return "RTMIN" }
            if fromHigh == 0 { return "RTMAX" }
            return fromLow <= fromHigh ? "RTMIN+\(fromLow)" : "RTMAX-\(fromHigh)"
        }
        return "\(number)"
    }
}

/// `kill -9 …` and `kill -KILL …`: the signal as the first argument, which an
/// option parser would take for an unknown option.
package enum SignalShorthand {
    /// Rewrites a first argument `-SIGNAL` (a number or a name `KillSignal`
    /// accepts) to `-s SIGNAL`; anything else is returned unchanged, so the
    /// parser reports it.
    package static func expand(_ arguments: [String]) -> [String] {
        guard let first = arguments.first, first.hasPrefix("-"), !first.hasPrefix("--") else { return arguments }
        let signal = String(first.dropFirst())
        guard KillSignal(signal) != nil else { return arguments }
        return ["-s", signal] + arguments.dropFirst()
    }
}
