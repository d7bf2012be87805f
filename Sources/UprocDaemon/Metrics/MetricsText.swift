/// Builds a Prometheus text-format (0.0.4) exposition, as node_exporter's
/// textfile collector reads it: `# HELP` and `# TYPE` once per family, then
/// its samples. Names get the `uproc_` prefix; counters end in `_total`;
/// values are in base units (seconds, bytes). Pure: the caller writes the
/// text to a file.
struct MetricsText: Sendable {
    static let prefix = "uproc_"

    private(set) var text = ""
    private var families: Set<String> = []

    init() {}

    /// A counter family `uproc_<name>_total` (`name` without the suffix).
    mutating func counter(_ name: String, help: String, _ samples: [MetricSample]) {
        family("\(MetricsText.prefix)\(name)_total", type: "counter", help: help, samples)
    }

    /// A gauge family `uproc_<name>`.
    mutating func gauge(_ name: String, help: String, _ samples: [MetricSample]) {
        family("\(MetricsText.prefix)\(name)", type: "gauge", help: help, samples)
    }

    mutating func gauge(_ name: String, help: String, value: MetricValue) {
        gauge(name, help: help, [MetricSample(value: value)])
    }

    /// A histogram family: `uproc_<name>_bucket{le=…}` (cumulative, ending
    /// with `+Inf`), `_sum` and `_count`.
    mutating func histogram(_ name: String, help: String, _ histogram: MetricsHistogram, labels: [MetricLabel] = []) {
        let full = "\(MetricsText.prefix)\(name)"
        header(full, type: "histogram", help: help)
        var cumulative: UInt64 = 0
        for (index, bound) in histogram.upperBounds.enumerated() {
            cumulative += histogram.bucketCounts[index]
            sample("\(full)_bucket", labels + [MetricLabel("le", MetricValue.double(bound).text)], .integer(cumulative))
        }
        sample("\(full)_bucket", labels + [MetricLabel("le", "+Inf")], .integer(histogram.count))
        sample("\(full)_sum", labels, .double(histogram.sum))
        sample("\(full)_count", labels, .integer(histogram.count))
    }

    private mutating func family(_ full: String, type: String, help: String, _ samples: [MetricSample]) {
        header(full, type: type, help: help)
        for item in samples { sample(full, item.labels, item.value) }
    }

    private mutating func header(_ full: String, type: String, help: String) {
        precondition(MetricsText.isValidName(full), "invalid metric name \(full)")
        precondition(families.insert(full).inserted, "metric family \(full) written twice")
        text += "# HELP \(full) \(MetricsText.escapeHelp(help))\n# TYPE \(full) \(type)\n"
    }

    private mutating func sample(_ full: String, _ labels: [MetricLabel], _ value: MetricValue) {
        text += full
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                precondition(MetricsText.isValidLabelName(label.name), "invalid label name \(label.name)")
                if index > 0 { text += "," }
                text += "\(label.name)=\"\(MetricsText.escapeLabelValue(label.value))\""
            }
            text += "}"
        }
        text += " \(value.text)\n"
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isValidName(_ name: String) -> Bool {
        isValid(name, extra: UInt8(ascii: ":"))
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, and not the reserved `__` prefix.
    static func isValidLabelName(_ name: String) -> Bool {
        isValid(name, extra: nil) && !name.hasPrefix("__")
    }

    private static func isValid(_ name: String, extra: UInt8?) -> Bool {
        guard !name.isEmpty else { return false }
        for (index, byte) in name.utf8.enumerated() {
            let letter = (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
            let digit = byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
            guard letter || byte == UInt8(ascii: "_") || byte == extra || (digit && index > 0) else { return false }
        }
        return true
    }

    /// Label values escape `\`, `"` and newline.
    static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") }) else {
            return value
        }
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// HELP text escapes `\` and newline (quotes stay).
    static func escapeHelp(_ help: String) -> String {
        var out = ""
        for scalar in help.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

struct MetricLabel: Sendable, Hashable {
    var name: String
    var value: String

    init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

struct MetricSample: Sendable {
    var labels: [MetricLabel]
    var value: MetricValue

    init(labels: [MetricLabel] = [], value: MetricValue) {
        self.labels = labels
        self.value = value
    }
}

enum MetricValue: Sendable, Equatable {
    case integer(UInt64)
    case double(Double)

    /// Integers exactly; doubles as Go's ParseFloat reads them, with
    /// `+Inf`, `-Inf` and `NaN` spelled as the format wants.
    var text: String {
        switch self {
        case .integer(let value): return String(value)
        case .double(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        }
    }
}
