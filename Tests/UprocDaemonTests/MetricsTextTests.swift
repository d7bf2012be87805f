import Testing
@testable import UprocDaemon

/// A strict reader of the Prometheus text format (0.0.4), as node_exporter parses it.
struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var help: [String: String] = [:]
    var type: [String: String] = [:]
    var samples: [Sample] = []

    init(_ text: String) throws {
        guard text.hasSuffix("\n") else { throw Malformed(description: "no final newline") }
        var family: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1)
                guard parts.count == 2 else { throw Malformed(description: "bad comment: \(line)") }
                let name = String(parts[0])
                if line.hasPrefix("# HELP ") {
                    guard help[name] == nil else { throw Malformed(description: "second HELP for \(name)") }
                    help[name] = Self.unescape(parts[1], quote: false)
                } else {
                    guard type[name] == nil, samples.allSatisfy({ Self.family(of: $0.name, types: type) != name }) else {
                        throw Malformed(description: "TYPE for \(name) after its samples")
                    }
                    type[name] = String(parts[1])
                }
                family = name
                continue
            }
            var rest = Substring(line)
            let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
            let name = String(rest[..<nameEnd])
            rest = rest[nameEnd...]
            var labels: [String: String] = [:]
            if rest.first == "{" {
                rest = rest.dropFirst()
                while rest.first != "}" {
                    guard let equals = rest.firstIndex(of: "="), rest[rest.index(after: equals)] == "\"" else {
                        throw Malformed(description: "bad label in \(line)")
                    }
                    let labelName = String(rest[..<equals])
                    rest = rest[rest.index(equals, offsetBy: 2)...]
                    var value = ""
                    var escaped = false
                    while let character = rest.first {
                        rest = rest.dropFirst()
                        if escaped {
                            switch character {
                            case "n": value.append("\n")
                            case "\\", "\"": value.append(character)
                            default: throw Malformed(description: "bad escape in \(line)")
                            }
                            escaped = false
                        } else if character == "\\" {
                            escaped = true
                        } else if character == "\"" {
                            break
                        } else {
                            value.append(character)
                        }
                    }
                    labels[labelName] = value
                    if rest.first == "," { rest = rest.dropFirst() }
                }
                rest = rest.dropFirst()
            }
            guard rest.first == " " else { throw Malformed(description: "no value in \(line)") }
            let valueText = rest.dropFirst()
            let value: Double? = switch valueText {
            case "+Inf": .infinity
            case "-Inf": -.infinity
            default: Double(valueText)
            }
            guard let value else { throw Malformed(description: "bad value in \(line)") }
            guard let family, Self.family(of: name, types: type) == family else {
                throw Malformed(description: "\(name) outside its family")
            }
            samples.append(Sample(name: name, labels: labels, value: value))
        }
    }

    static func family(of name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" { return base }
        }
        return name
    }

    static func unescape(_ text: Substring, quote: Bool) -> String {
        text.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\\\", with: "\\")
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }
}

@Suite struct MetricsTextTests {
    static func example() -> String {
        var latency = MetricsHistogram(upperBounds: [0.0001, 0.001, 0.01])
        for seconds in [0.00002, 0.0001, 0.0005, 0.002, 0.5] { latency.observe(seconds) }
        var text = MetricsText()
        text.gauge("processes", help: "Processes per namespace.", [
            MetricSample(labels: [MetricLabel("namespace", "uid.alice")], value: .integer(12)),
            MetricSample(labels: [MetricLabel("namespace", #"odd"name\with\#nnewline"#)], value: .integer(0)),
        ])
        text.counter("events_received", help: "Kernel events received, by type.", [
            MetricSample(labels: [MetricLabel("type", "fork")], value: .integer(1_000_000_007)),
            MetricSample(labels: [MetricLabel("type", "exec")], value: .integer(5)),
        ])
        text.counter("kernel_drops", help: "Times the kernel dropped messages (ENOBUFS).", [MetricSample(value: .integer(0))])
        text.gauge("last_reload_success_timestamp_seconds", help: "When the rules were last reloaded, Unix time.",
                   value: .double(1_795_777_290.5))
        text.histogram("event_to_file_seconds", help: "Kernel event to namespace file written.\nBase unit: seconds \\ no PID labels.",
                       latency)
        return text.text
    }

    @Test func namesFollowTheConventions() throws {
        let exposition = try Exposition(Self.example())
        #expect(exposition.type == [
            "uproc_processes": "gauge",
            "uproc_events_received_total": "counter",
            "uproc_kernel_drops_total": "counter",
            "uproc_last_reload_success_timestamp_seconds": "gauge",
            "uproc_event_to_file_seconds": "histogram",
        ])
        #expect(Set(exposition.help.keys) == Set(exposition.type.keys))
        #expect(exposition.samples.allSatisfy { $0.name.hasPrefix("uproc_") })
        #expect(exposition.samples.allSatisfy { $0.labels["pid"] == nil })
    }

    @Test func valuesAndLabelsReadBack() throws {
        let exposition = try Exposition(Self.example())
        #expect(exposition.value("uproc_processes", ["namespace": "uid.alice"]) == 12)
        #expect(exposition.value("uproc_processes", ["namespace": "odd\"name\\with\nnewline"]) == 0)
        #expect(exposition.value("uproc_events_received_total", ["type": "fork"]) == 1_000_000_007)
        #expect(exposition.value("uproc_kernel_drops_total") == 0)
        #expect(exposition.value("uproc_last_reload_success_timestamp_seconds") == 1_795_777_290.5)
        #expect(exposition.help["uproc_event_to_file_seconds"] == "Kernel event to namespace file written.\nBase unit: seconds \\ no PID labels.")
    }

    @Test func histogramBucketsAreCumulativeAndEndAtTheCount() throws {
        let exposition = try Exposition(Self.example())
        let buckets = exposition.samples.filter { $0.name == "uproc_event_to_file_seconds_bucket" }
        #expect(buckets.map { $0.labels["le"] } == ["0.0001", "0.001", "0.01", "+Inf"])
        // 0.00002 and 0.0001 (le is inclusive) | 0.0005 | 0.002 | 0.5
        #expect(buckets.map(\.value) == [2, 3, 4, 5])
        #expect(exposition.value("uproc_event_to_file_seconds_count") == 5)
        let sum = try #require(exposition.value("uproc_event_to_file_seconds_sum"))
        #expect(abs(sum - 0.50262) < 1e-12)
    }

    @Test(arguments: [
        (MetricValue.integer(0), "0"), (.integer(UInt64.max), "18446744073709551615"),
        (.double(0.25), "0.25"), (.double(3), "3"), (.double(1e-05), "1e-05"),
        (.double(.infinity), "+Inf"), (.double(-.infinity), "-Inf"), (.double(.nan), "NaN"),
    ])
    func valuesAreSpelledAsTheFormatWants(value: MetricValue, text: String) {
        #expect(value.text == text)
    }

    @Test func emptyHistogramStillHasEveryBucket() throws {
        var text = MetricsText()
        text.histogram("event_to_file_seconds", help: "h", MetricsHistogram.eventToFileSeconds)
        let exposition = try Exposition(text.text)
        #expect(exposition.samples.filter { $0.name.hasSuffix("_bucket") }.count == MetricsHistogram.eventToFileSeconds.upperBounds.count + 1)
        #expect(exposition.samples.filter { $0.name.hasSuffix("_bucket") }.allSatisfy { $0.value == 0 })
        #expect(exposition.value("uproc_event_to_file_seconds_count") == 0)
    }

    @Test(arguments: [("uid.alice", false), ("namespace", true), ("__reserved", false), ("9lives", false), ("le", true)])
    func labelNamesAreChecked(name: String, valid: Bool) {
        #expect(MetricsText.isValidLabelName(name) == valid)
    }
}
