import CLinuxProc
import Glibc
import UprocRules

/// Reads process facts from `/proc`. Reuses its buffers: nothing is
/// allocated per process. Confined to one thread.
public final class ProcReader {
    private let procFD: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private let path: UnsafeMutablePointer<CChar>
    private static let bufferSize = 4096  // Uid/Gid/Tgid sit in the first lines of status
    private static let pathCapacity = 64

    public init() {
        // Only a base for openat; /proc always exists on Linux.
        procFD = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 8)
        path = .allocate(capacity: Self.pathCapacity)
    }

    deinit {
        buffer.deallocate()
        path.deallocate()
        if procFD >= 0 { closeDescriptor(procFD) }
    }

    /// The numeric entries of `/proc`: thread-group leaders, like `ls /proc`.
    public func processIDs() -> [Int32] {
        var pids: [Int32] = []
        pids.reserveCapacity(1024)
        forEachProcessID { pids.append($0) }
        return pids
    }

    /// What `keys` needs of `pid`: IDs (real and effective) from
    /// `/proc/PID/status` when `keys` has an ID key, `comm` from
    /// `/proc/PID/stat` when it has `.cmd`; fields not read are 0 / empty.
    /// Nil when the process is gone (a normal race), unreadable, or a zombie:
    /// a zombie has exited, and its reaping sends no event that would ever
    /// remove it again.
    public func identity(of pid: Int32, reading keys: RuleKeys) -> ProcessIdentity? {
        var identity = ProcessIdentity(uid: 0, gid: 0, comm: Comm())
        let needsIDs = !keys.isDisjoint(with: .ids)
        if needsIDs {
            guard let count = read(pid, "/status") else { return nil }
            let status = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            guard Self.find(Self.zombieTag, in: status) == nil,
                  let uids = Self.twoFields(after: Self.uidTag, in: status),
                  let gids = Self.twoFields(after: Self.gidTag, in: status) else { return nil }
            identity.ruid = uids.0
            identity.euid = uids.1
            identity.rgid = gids.0
            identity.egid = gids.1
        }
        if keys.contains(.cmd) || !needsIDs {
            // stat holds comm raw (status escapes it) and the state in one read.
            guard let count = read(pid, "/stat") else { return nil }
            let stat = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            guard let (comm, state) = Self.commAndState(stat), state != UInt8(ascii: "Z"), state != UInt8(ascii: "X") else {
                return nil
            }
            if keys.contains(.cmd) { identity.comm = comm }
        }
        return identity
    }

    /// `PID (COMM) S ...`: comm may hold any byte but NUL, parentheses
    /// included, so it ends at the LAST ')'.
    static func commAndState(_ stat: UnsafeRawBufferPointer) -> (Comm, UInt8)? {
        guard let open = stat.firstIndex(of: UInt8(ascii: "(")),
              let close = stat.lastIndex(of: UInt8(ascii: ")")),
              close > open, close + 2 < stat.count else { return nil }
        return (Comm(UnsafeRawBufferPointer(rebasing: stat[(open + 1)..<close])), stat[close + 2])
    }

    /// Calls `body` for every process with what `keys` needs; processes
    /// that vanish during the walk are skipped.
    public func scan(reading keys: RuleKeys, _ body: (Int32, ProcessIdentity) -> Void) {
        for pid in processIDs() {
            if let identity = identity(of: pid, reading: keys) { body(pid, identity) }
        }
    }

    /// The thread group (process) of a thread ID, from `/proc/TID/status`
    /// "Tgid:"; nil when it is gone.
    public func threadGroupID(of pid: Int32) -> Int32? {
        guard let count = read(pid, "/status") else { return nil }
        let status = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        guard let value = Self.fields(after: Self.tgidTag, in: status, count: 1) else { return nil }
        return Int32(bitPattern: value.0)
    }

    // MARK: - internals

    private static let uidTag: [UInt8] = Array("\nUid:".utf8)
    private static let gidTag: [UInt8] = Array("\nGid:".utf8)
    private static let tgidTag: [UInt8] = Array("\nTgid:".utf8)
    private static let zombieTag: [UInt8] = Array("\nState:\tZ".utf8)

    private func forEachProcessID(_ body: (Int32) -> Void) {
        guard let directory = opendir("/proc") else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let pid: Int32? = withUnsafeBytes(of: &entry.pointee.d_name) { name in
                var value: Int32 = 0
                var digits = 0
                for byte in name {
                    if byte == 0 { break }
                    guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 10 else { return nil }
                    let (next, overflow) = value.multipliedReportingOverflow(by: 10)
                    guard !overflow else { return nil }
                    value = next &+ Int32(byte - UInt8(ascii: "0"))
                    digits += 1
                }
                return digits > 0 ? value : nil
            }
            if let pid { body(pid) }
        }
    }

    /// Writes "PID" + suffix, NUL-terminated, into `path` (relative to /proc).
    private func setPath(_ pid: Int32, _ suffix: StaticString) {
        var length = 0
        var value = UInt32(bitPattern: pid)
        repeat {
            length += 1
            value /= 10
        } while value > 0
        value = UInt32(bitPattern: pid)
        var index = length
        repeat {
            index -= 1
            path[index] = CChar(48 + Int(value % 10))
            value /= 10
        } while index > 0
        suffix.withUTF8Buffer { bytes in
            for byte in bytes {
                path[length] = CChar(bitPattern: byte)
                length += 1
            }
        }
        path[length] = 0
    }

    /// Reads the start of /proc/PID/suffix into `buffer`; nil if it cannot.
    private func read(_ pid: Int32, _ suffix: StaticString) -> Int? {
        guard pid > 0 else { return nil }
        setPath(pid, suffix)
        guard case .success(let fd) = syscall("openat", { openat(procFD, path, O_RDONLY | O_CLOEXEC) }) else { return nil }
        defer { closeDescriptor(fd) }
        guard case .success(let count) = syscall("read", { Glibc.read(fd, buffer.baseAddress, buffer.count) }) else {
            return nil
        }
        return count
    }

    private static func twoFields(after tag: [UInt8], in text: UnsafeRawBufferPointer) -> (UInt32, UInt32)? {
        fields(after: tag, in: text, count: 2)
    }

    /// The first `count` (1 or 2) whitespace-separated decimal fields after
    /// the line tag `tag` (which starts with "\n").
    private static func fields(after tag: [UInt8], in text: UnsafeRawBufferPointer, count: Int) -> (UInt32, UInt32)? {
        guard let start = find(tag, in: text) else { return nil }
        var index = start + tag.count
        var values: (UInt32, UInt32) = (0, 0)
        for field in 0..<count {
            while index < text.count, text[index] == UInt8(ascii: "\t") || text[index] == UInt8(ascii: " ") {
                index += 1
            }
            var value: UInt32 = 0
            var digits = 0
            while index < text.count, text[index] >= UInt8(ascii: "0"), text[index] <= UInt8(ascii: "9") {
                value = value &* 10 &+ UInt32(text[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if field == 0 { values.0 = value } else { values.1 = value }
        }
        return values
    }

    private static func find(_ tag: [UInt8], in text: UnsafeRawBufferPointer) -> Int? {
        guard text.count >= tag.count else { return nil }
        let first = tag[0]
        var index = 0
        outer: while index <= text.count - tag.count {
            if text[index] == first {
                for offset in 1..<tag.count where text[index + offset] != tag[offset] {
                    index += 1
                    continue outer
                }
                return index
            }
            index += 1
        }
        return nil
    }
}
