import Glibc
import UprocEvents
import UprocRules

/// What a process uses now, read from `/proc`.
package struct ProcessSample: Hashable, Sendable {
    /// CPU time (the whole thread group's, exited threads included, as
    /// `/proc/PID/stat` reports it: in clock ticks, 10 ms) and storage I/O
    /// (`/proc/PID/io`; zero when that file cannot be read).
    package var usage: ResourceUsage
    /// Resident memory now (`rss` of `/proc/PID/stat`, in bytes): shared
    /// pages count in every process that maps them.
    package var residentBytes: UInt64
    /// When the process started, in clock ticks since boot: tells a reused
    /// PID from the process that had it.
    package var startTicks: UInt64
    /// `/proc/PID/io` could be read (it needs the right to ptrace the
    /// process: any process for root, one's own otherwise).
    package var hasIO: Bool

    package init(usage: ResourceUsage, residentBytes: UInt64, startTicks: UInt64, hasIO: Bool) {
        self.usage = usage
        self.residentBytes = residentBytes
        self.startTicks = startTicks
        self.hasIO = hasIO
    }
}

/// What one read of a process's usage found.
package enum UsageReading: Hashable, Sendable {
    case found(ProcessSample)
    /// No such process (it has exited and been reaped).
    case gone
    /// Its files could not be read or parsed (counted in `readFailures`).
    case unreadable
}

/// Reads processes' CPU time, memory and I/O from `/proc/PID/stat` and
/// `/proc/PID/io`: two small reads per process, into reused buffers (no
/// allocation per process). Confined to one thread.
package final class ProcessUsageReader {
    private let procFD: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private let path: UnsafeMutablePointer<CChar>
    private static let bufferSize = 1024
    private static let pathCapacity = 32
    /// Microseconds per clock tick (`sysconf(_SC_CLK_TCK)`: 100 Hz, 10,000 µs).
    package let microsecondsPerTick: UInt64
    package let pageSize: UInt64
    /// Reads that failed for another reason than the process being gone.
    package private(set) var readFailures = 0

    /// Opens `procPath` (`/proc`; tests pass another directory). The
    /// corresponding C function is `open`.
    package init(procPath: String = "/proc") throws(SystemCallError) {
        procFD = try syscall("open", subject: procPath) { open(procPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.get()
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 8)
        path = .allocate(capacity: Self.pathCapacity)
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        microsecondsPerTick = ticks > 0 ? 1_000_000 / UInt64(ticks) : 10_000
        let page = sysconf(Int32(_SC_PAGESIZE))
        pageSize = page > 0 ? UInt64(page) : 4096
    }

    deinit {
        buffer.deallocate()
        path.deallocate()
        closeDescriptor(procFD)
    }

    /// `pid`'s usage now. A zombie still shows its final figures until it
    /// is reaped: it is found.
    package func read(_ pid: Int32) -> UsageReading {
        let stat: StatFields
        switch readFile(pid, "/stat") {
        case .read(let count):
            guard let fields = Self.statFields(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) else {
                readFailures &+= 1
                return .unreadable
            }
            stat = fields
        case .gone: return .gone
        case .failed: return .unreadable
        }
        var usage = ResourceUsage(userMicroseconds: stat.userTicks &* microsecondsPerTick,
                                  systemMicroseconds: stat.systemTicks &* microsecondsPerTick)
        var hasIO = false
        if case .read(let count) = readFile(pid, "/io", countingFailures: false),
           let io = Self.ioFields(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) {
            usage.readBytes = io.readBytes
            usage.writeBytes = io.writeBytes
            hasIO = true
        }
        return .found(ProcessSample(usage: usage, residentBytes: stat.residentPages &* pageSize,
                                    startTicks: stat.startTicks, hasIO: hasIO))
    }

    // MARK: - parsing (pure)

    package struct StatFields: Hashable, Sendable {
        package var userTicks: UInt64
        package var systemTicks: UInt64
        package var startTicks: UInt64
        package var residentPages: UInt64

        package init(userTicks: UInt64, systemTicks: UInt64, startTicks: UInt64, residentPages: UInt64) {
            self.userTicks = userTicks
            self.systemTicks = systemTicks
            self.startTicks = startTicks
            self.residentPages = residentPages
        }
    }

    /// Fields 14 (`utime`), 15 (`stime`), 22 (`starttime`) and 24 (`rss`) of
    /// a stat line, counted after comm's last ')' (comm may hold any byte).
    package static func statFields(_ stat: UnsafeRawBufferPointer) -> StatFields? {
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var fields = StatFields(userTicks: 0, systemTicks: 0, startTicks: 0, residentPages: 0)
        var index = close + 1
        var field = 2
        var found = 0
        while index < stat.count && found < 4 {
            while index < stat.count, stat[index] == UInt8(ascii: " ") { index += 1 }
            field += 1
            let start = index
            while index < stat.count, stat[index] != UInt8(ascii: " "), stat[index] != UInt8(ascii: "\n") { index += 1 }
            guard start < index else { break }
            switch field {
            case 14, 15, 22, 24:
                // rss is signed in the kernel's format; a negative one is 0.
                let value = stat[start] == UInt8(ascii: "-") ? 0 : DecimalText.parse(stat[start..<index])
                guard let value else { return nil }
                switch field {
                case 14: fields.userTicks = value
                case 15: fields.systemTicks = value
                case 22: fields.startTicks = value
                default: fields.residentPages = value
                }
                found += 1
            default:
                break
            }
        }
        return found == 4 ? fields : nil
    }

    /// `read_bytes:` and `write_bytes:` of an io file.
    package static func ioFields(_ io: UnsafeRawBufferPointer) -> (readBytes: UInt64, writeBytes: UInt64)? {
        var read: UInt64?
        var write: UInt64?
        var lineStart = 0
        while lineStart < io.count {
            var lineEnd = lineStart
            while lineEnd < io.count, io[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let line = UnsafeRawBufferPointer(rebasing: io[lineStart..<lineEnd])
            if let value = value(of: readTag, in: line) { read = value }
            if let value = value(of: writeTag, in: line) { write = value }
            lineStart = lineEnd + 1
        }
        guard let read, let write else { return nil }
        return (read, write)
    }

    private static let readTag: [UInt8] = Array("read_bytes:".utf8)
    private static let writeTag: [UInt8] = Array("write_bytes:".utf8)

    private static func value(of tag: [UInt8], in line: UnsafeRawBufferPointer) -> UInt64? {
        guard line.count > tag.count, line.starts(with: tag) else { return nil }
        var index = tag.count
        while index < line.count, line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t") { index += 1 }
        return DecimalText.parse(line[index...])
    }

    // MARK: - reading

    private enum FileRead {
        case read(Int)
        case gone
        case failed
    }

    /// Reads the start of /proc/PID/suffix into `buffer`.
    private func readFile(_ pid: Int32, _ suffix: StaticString, countingFailures: Bool = true) -> FileRead {
        guard pid > 0 else { return .gone }
        var length = UnsafeMutableRawPointer(path).withMemoryRebound(to: UInt8.self, capacity: Self.pathCapacity) {
            DecimalText.write(UInt32(bitPattern: pid), to: $0)
        }
        suffix.withUTF8Buffer { bytes in
            for byte in bytes {
                path[length] = CChar(bitPattern: byte)
                length += 1
            }
        }
        path[length] = 0
        let fd: Int32
        switch syscall("openat", { openat(procFD, path, O_RDONLY | O_CLOEXEC) }) {
        case .success(let opened): fd = opened
        case .failure(let error): return failure(error, counting: countingFailures)
        }
        defer { closeDescriptor(fd) }
        switch syscall("read", { Glibc.read(fd, buffer.baseAddress, buffer.count) }) {
        case .success(let count): return .read(count)
        case .failure(let error): return failure(error, counting: countingFailures)
        }
    }

    private func failure(_ error: SystemCallError, counting: Bool) -> FileRead {
        if error.errno == .noSuchFileOrDirectory || error.errno == .noSuchProcess { return .gone }
        if counting { readFailures &+= 1 }
        return .failed
    }
}
