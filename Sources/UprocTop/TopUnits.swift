/// Numbers in few columns, as `top` writes them.
package enum TopUnits {
    /// Bytes in binary units: `512`, `4.0K`, `12M`, `1.5G` (at most 5 characters).
    package static func bytes(_ value: Double) -> String {
        let units = ["K", "M", "G", "T", "P", "E"]
        if value < 1024 { return String(Int(value.rounded())) }
        var scaled = value
        var unit = -1
        repeat {
            scaled /= 1024
            unit += 1
        } while (scaled >= 1024 || (scaled >= 10 && scaled.rounded() >= 1024)) && unit < units.count - 1
        if scaled < 9.95 { return tenths(scaled) + units[unit] }
        return String(Int(scaled.rounded())) + units[unit]
    }

    /// A percentage with one decimal (`0.0`, `103.4`), whole from 10,000 on.
    package static func percent(_ value: Double) -> String {
        value >= 9999.95 ? String(Int(value.rounded())) : tenths(value)
    }

    /// A count, in units of 1000 from a million on (`999999`, `1.2M`).
    package static func count(_ value: UInt64) -> String {
        if value < 1_000_000 { return String(value) }
        var scaled = Double(value)
        var unit = -1
        let units = ["K", "M", "G", "T", "P", "E"]
        repeat {
            scaled /= 1000
            unit += 1
        } while scaled >= 999.5 && unit < units.count - 1
        return (scaled < 9.95 ? tenths(scaled) : String(Int(scaled.rounded()))) + units[unit]
    }

    /// `value` rounded to one decimal, without Foundation.
    static func tenths(_ value: Double) -> String {
        let tenths = Int((max(value, 0) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
