import UprocEvents
import UprocRules

/// One accounted namespace's totals at one instant, as its accounting file
/// holds them, with what they grew by since the sample before.
package struct AccountingSnapshot: Hashable, Sendable {
    /// When the totals were taken: CLOCK_MONOTONIC ns.
    package var sampledNanoseconds: UInt64
    /// When counting began for this namespace, seconds since the epoch.
    package var sinceSeconds: UInt64
    /// Exits count the kernel's exit records (else samples alone: processes
    /// shorter than the interval are not counted).
    package var exact: Bool
    package var totals: SlotTotals
    /// The growth since the sample before (zero at the first).
    package var interval: Interval

    /// What the counters grew by over one interval between two samples.
    package struct Interval: Hashable, Sendable {
        /// The interval's length, ns (0: no sample before).
        package var nanoseconds: UInt64
        /// CPU time, user plus system, µs.
        package var cpuMicroseconds: UInt64
        package var readBytes: UInt64
        package var writeBytes: UInt64

        package init(nanoseconds: UInt64 = 0, cpuMicroseconds: UInt64 = 0, readBytes: UInt64 = 0, writeBytes: UInt64 = 0) {
            self.nanoseconds = nanoseconds
            self.cpuMicroseconds = cpuMicroseconds
            self.readBytes = readBytes
            self.writeBytes = writeBytes
        }
    }

    package init(sampledNanoseconds: UInt64, sinceSeconds: UInt64, exact: Bool, totals: SlotTotals,
                 interval: Interval = Interval()) {
        self.sampledNanoseconds = sampledNanoseconds
        self.sinceSeconds = sinceSeconds
        self.exact = exact
        self.totals = totals
        self.interval = interval
    }

    /// The snapshot of `totals` taken at `sampled`, its interval measured
    /// from `previous` (the namespace's snapshot before, if any).
    package init(totals: SlotTotals, sampledNanoseconds sampled: UInt64, previous: AccountingSnapshot?,
                 sinceSeconds: UInt64, exact: Bool) {
        var interval = Interval()
        if let previous, sampled > previous.sampledNanoseconds {
            interval.nanoseconds = sampled - previous.sampledNanoseconds
            let before = previous.totals.usage.cpuMicroseconds
            let now = totals.usage.cpuMicroseconds
            interval.cpuMicroseconds = now > before ? now - before : 0
            interval.readBytes = totals.usage.readBytes > previous.totals.usage.readBytes
                ? totals.usage.readBytes - previous.totals.usage.readBytes : 0
            interval.writeBytes = totals.usage.writeBytes > previous.totals.usage.writeBytes
                ? totals.usage.writeBytes - previous.totals.usage.writeBytes : 0
        }
        self.init(sampledNanoseconds: sampled, sinceSeconds: sinceSeconds, exact: exact, totals: totals, interval: interval)
    }
}

/// Why an accounting file could not be read.
package enum AccountingFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The first line is not `uproc-accounting VERSION`.
    case notAnAccountingFile
    /// A version this reader does not know (a newer uprocd's).
    case unsupportedVersion(String)
    /// A line that is not `key value` with a decimal value (1-based).
    case malformedLine(Int)
    /// A key every version-1 file has is missing.
    case missingKey(String)

    package var description: String {
        switch self {
        case .notAnAccountingFile: return "not an accounting file (no 'uproc-accounting 1' line first)"
        case .unsupportedVersion(let version): return "accounting file version \(version) is newer than this reader (1)"
        case .malformedLine(let line): return "line \(line): not 'key value'"
        case .missingKey(let key): return "no '\(key)' line"
        }
    }
}

/// The accounting file: what `uproc-top` and scripts read, one per
/// accounted namespace, in `DIRECTORY/.accounting/NAME` beside the
/// namespace files (a dot name is never a namespace's), replaced
/// atomically, readable by whoever may read the namespace's own file.
///
/// Text, one `key value` pair a line, after a first line naming the format
/// and its version; values are unsigned decimal integers in base units:
///
///     uproc-accounting 1
///     sampled 123456789012345     CLOCK_MONOTONIC ns of the totals
///     since 1796530000            when counting began, s since the epoch
///     exact 1                     exits count the kernel's exit records
///     processes 12                members now
///     memory_bytes 123456789      members' resident memory now
///     cpu_user_us 12345678        CPU time while members, µs (counter)
///     cpu_system_us 1234567
///     read_bytes 4096             storage I/O while members (counter)
///     write_bytes 1052672
///     starts 57                   processes that became members (counter)
///     exits_success 40            members that exited 0 (counter)
///     exits_failure 3             ... with another code
///     exits_signal 2              ... by a signal
///     interval_ns 5000000000      since the sample before (0: none)
///     interval_cpu_us 40000       CPU time (user + system) in that interval
///     interval_read_bytes 0       storage I/O in that interval
///     interval_write_bytes 0
///
/// (without the comments). The interval lines give rates from one read:
/// CPU % of one core is `interval_cpu_us * 100000 / interval_ns`. A reader
/// ignores keys it does not know: later versions of the format add keys; a
/// change that breaks readers changes the version.
/// `awk '$1 == "cpu_user_us" {print $2}'` reads one field.
package enum AccountingFile {
    package static let header = "uproc-accounting"
    package static let version = "1"
    /// Larger than any file the daemon writes: a reader reads no more.
    package static let sizeLimit = 4096

    /// Appends the file's text for `snapshot` to `bytes`.
    package static func encode(_ snapshot: AccountingSnapshot, into bytes: inout [UInt8]) {
        let totals = snapshot.totals
        bytes.append(contentsOf: "\(header) \(version)\n".utf8)
        func line(_ key: StaticString, _ value: UInt64) {
            key.withUTF8Buffer { bytes.append(contentsOf: $0) }
            bytes.append(UInt8(ascii: " "))
            DecimalText.append(value, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        line("sampled", snapshot.sampledNanoseconds)
        line("since", snapshot.sinceSeconds)
        line("exact", snapshot.exact ? 1 : 0)
        line("processes", UInt64(max(totals.processes, 0)))
        line("memory_bytes", totals.residentBytes)
        line("cpu_user_us", totals.usage.userMicroseconds)
        line("cpu_system_us", totals.usage.systemMicroseconds)
        line("read_bytes", totals.usage.readBytes)
        line("write_bytes", totals.usage.writeBytes)
        line("starts", totals.starts)
        line("exits_success", totals.exits.success)
        line("exits_failure", totals.exits.failure)
        line("exits_signal", totals.exits.signal)
        line("interval_ns", snapshot.interval.nanoseconds)
        line("interval_cpu_us", snapshot.interval.cpuMicroseconds)
        line("interval_read_bytes", snapshot.interval.readBytes)
        line("interval_write_bytes", snapshot.interval.writeBytes)
    }

    /// The file's text for `snapshot`.
    package static func encode(_ snapshot: AccountingSnapshot) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(320)
        encode(snapshot, into: &bytes)
        return bytes
    }

    private static let keys = ["sampled", "since", "exact", "processes", "memory_bytes", "cpu_user_us", "cpu_system_us",
                               "read_bytes", "write_bytes", "starts", "exits_success", "exits_failure", "exits_signal",
                               "interval_ns", "interval_cpu_us", "interval_read_bytes", "interval_write_bytes"]

    /// Reads a file's text.
    package static func decode<C: Collection>(_ text: C) throws(AccountingFileError) -> AccountingSnapshot
    where C.Element == UInt8 {
        var values = [UInt64?](repeating: nil, count: keys.count)
        var lineNumber = 0
        var sawHeader = false
        for line in Array(text).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if lineNumber == 1 {
                let words = line.split(separator: UInt8(ascii: " "))
                guard words.count == 2, String(decoding: words[0], as: UTF8.self) == header else { throw .notAnAccountingFile }
                let found = String(decoding: words[1], as: UTF8.self)
                guard found == version else { throw .unsupportedVersion(found) }
                sawHeader = true
                continue
            }
            if line.isEmpty { continue }
            guard let space = line.firstIndex(of: UInt8(ascii: " ")),
                  let value = DecimalText.parse(line[line.index(after: space)...]) else { throw .malformedLine(lineNumber) }
            let key = String(decoding: line[..<space], as: UTF8.self)
            if let index = keys.firstIndex(of: key) { values[index] = value }
        }
        guard sawHeader else { throw .notAnAccountingFile }
        if let missing = values.firstIndex(of: nil) { throw .missingKey(keys[missing]) }
        let v = values.map { $0! }
        return AccountingSnapshot(
            sampledNanoseconds: v[0], sinceSeconds: v[1], exact: v[2] != 0,
            totals: SlotTotals(
                usage: ResourceUsage(userMicroseconds: v[5], systemMicroseconds: v[6], readBytes: v[7], writeBytes: v[8]),
                residentBytes: v[4], processes: Int(clamping: v[3]), starts: v[9],
                exits: ExitCounts(success: v[10], failure: v[11], signal: v[12])),
            interval: AccountingSnapshot.Interval(nanoseconds: v[13], cpuMicroseconds: v[14], readBytes: v[15], writeBytes: v[16]))
    }

    /// The directory, inside the namespace directory, that holds the
    /// accounting files.
    package static let directoryName = ".accounting"
}
