import Glibc
import UprocRules

/// What one read of a process's `/proc` files found.
package enum ProcessReading: Equatable, Sendable {
    /// It runs; the facts the keys asked for.
    case found(ProcessIdentity)
    /// It has exited: no such process, or a zombie (its reaping sends no
    /// event that would ever remove it again).
    case gone
    /// It exists, but its files could not be read or parsed (counted in
    /// `ProcReader.readFailures`): nothing is known of it, and it is not an
    /// exit.
    case unreadable
}

/// Why a process's `/proc` files could not be read.
package enum ProcReadFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// A call failed for another reason than the process being gone.
    case system(SystemCallError)
    /// The file was read but does not hold what the kernel writes there.
    case unparsable(path: String)

    package var description: String {
        switch self {
        case .system(let error): return error.description
        case .unparsable(let path): return "\(path): cannot parse it"
        }
    }
}

/// Reads process facts from `/proc`. Reuses its buffers: nothing is
/// allocated per process. Confined to one thread.
package final class ProcReader {
    private let procPath: String
    private let procFD: Int32
    private let buffer: UnsafeMutableRawBufferPointer
    private let path: UnsafeMutablePointer<UInt8>
    private static let bufferSize = 4096  // Uid/Gid sit in the first lines of status
    private static let pathCapacity = 64
    /// A path of at most PATH_MAX bytes and the kernel's " (deleted)".
    private static let linkCapacity = 4096 + 16
    /// Reads that failed for another reason than the process being gone
    /// (ENOENT, ESRCH): permissions, resource limits, text that does not
    /// parse. Each left the process as it was known.
    package private(set) var readFailures = 0
    /// The last such failure.
    package private(set) var lastReadFailure: ProcReadFailure?
    /// Reads of one process (`lookUp`, `threadCount`); a scan's are not counted.
    package private(set) var processReads = 0
    /// Scans that could not list the directory.
    package private(set) var scanFailures = 0

    /// Opens `procPath` (`/proc`; tests pass another directory) as the base
    /// of every read. The corresponding C function is `open`.
    package init(procPath: String = "/proc") throws(SystemCallError) {
        procFD = try syscall("open", subject: procPath) { open(procPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }.get()
        self.procPath = procPath
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 8)
        path = .allocate(capacity: Self.pathCapacity)
    }

    deinit {
        buffer.deallocate()
        path.deallocate()
        closeDescriptor(procFD)
    }

    /// The numeric entries of `/proc`: thread-group leaders, like `ls /proc`.
    /// Throws when the directory cannot be listed.
    private func processIDs() throws(SystemCallError) -> [Int32] {
        var pids: [Int32] = []
        pids.reserveCapacity(1024)
        try forEachProcessID { pids.append($0) }
        return pids
    }

    /// Whether rules on `new` need a fact that reading for `old` left out:
    /// any ID key reads all four IDs and `comm` (one status file holds
    /// them); `.cmd` alone reads `comm`. A new table that does (ID rules
    /// after cmd-only ones) needs a rescan; one that adds another ID key or
    /// the first cmd rule after ID rules does not. The first `loginuid` or
    /// `exe` rule needs one too.
    package static func readsMore(_ new: RuleKeys, than old: RuleKeys) -> Bool {
        let oldReadsIDs = !old.isDisjoint(with: .ids)
        return (!new.isDisjoint(with: .ids) && !oldReadsIDs) || (new.contains(.cmd) && !old.contains(.cmd) && !oldReadsIDs)
            || new.subtracting(old).contains(.loginuid) || new.subtracting(old).contains(.exe)
    }

    /// What `keys` needs of `pid`: with an ID key, IDs (real and
    /// effective) and `comm` from `/proc/PID/status` (its `Name:` line,
    /// unescaped: one read holds all, and a reload that adds the first
    /// `cmd` rule then needs no rescan); with `.cmd` alone, `comm` from
    /// `/proc/PID/stat`; fields not read are 0 / empty. `comm` is the name
    /// those files show, which `pgrep -x` matches: for a kernel thread it
    /// may be longer than 15 bytes.
    /// With `.loginuid`, the login UID too (`loginUID(of:)`; unset when it
    /// cannot be read).
    /// A zombie leader whose other threads still run is no zombie process:
    /// it is found (the IDs and comm are the leader's).
    package func lookUp(_ pid: Int32, reading keys: RuleKeys) -> ProcessReading {
        processReads &+= 1
        return lookUpUncounted(pid, keys)
    }

    /// `lookUp` without counting (a scan's reads).
    private func lookUpUncounted(_ pid: Int32, _ keys: RuleKeys) -> ProcessReading {
        var identity = ProcessIdentity(uid: 0, gid: 0, comm: ProcessName())
        if !keys.isDisjoint(with: .ids) {
            let count: Int
            switch read(pid, "/status") {
            case .read(let read): count = read
            case .gone: return .gone
            case .failed: return .unreadable
            }
            let status = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if Self.find(Self.zombieTag, in: status) != nil && Self.threadCount(status) <= 1 { return .gone }
            guard let uids = Self.twoFields(after: Self.uidTag, in: status),
                  let gids = Self.twoFields(after: Self.gidTag, in: status),
                  let comm = Self.statusName(status) else {
                return unparsable(pid, "/status")
            }
            identity.ruid = uids.0
            identity.euid = uids.1
            identity.rgid = gids.0
            identity.egid = gids.1
            identity.comm = comm
        } else {
            // stat holds comm raw (status escapes it) and the state in one read.
            let count: Int
            switch read(pid, "/stat") {
            case .read(let read): count = read
            case .gone: return .gone
            case .failed: return .unreadable
            }
            let stat = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            guard let (comm, state) = Self.commAndState(stat) else { return unparsable(pid, "/stat") }
            if state == UInt8(ascii: "X") || (state == UInt8(ascii: "Z") && Self.statThreadCount(stat) <= 1) { return .gone }
            if keys.contains(.cmd) { identity.comm = comm }
        }
        // Read only while rules ask: one more small file per process.
        if keys.contains(.loginuid), let loginuid = loginUID(of: pid) { identity.loginuid = loginuid }
        return .found(identity)
    }

    /// `lookUp`'s identity; nil when the process is gone or unreadable.
    package func identity(of pid: Int32, reading keys: RuleKeys) -> ProcessIdentity? {
        if case .found(let identity) = lookUp(pid, reading: keys) { return identity }
        return nil
    }

    /// The audit login UID of `pid`: `/proc/PID/loginuid`, which
    /// pam_loginuid writes in the login process before it execs the shell,
    /// inherited at fork, kept across setuid; 4294967295 when no login set
    /// it. Nil when the process is gone or the file cannot be read (a
    /// kernel without audit has none) or parsed (counted).
    package func loginUID(of pid: Int32) -> UInt32? {
        guard case .read(let count) = read(pid, "/loginuid") else { return nil }
        var text = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        if text.last == UInt8(ascii: "\n") { text = UnsafeRawBufferPointer(rebasing: text.dropLast()) }
        guard let value = DecimalText.parse(text).flatMap({ UInt32(exactly: $0) }) else {
            _ = unparsable(pid, "/loginuid")
            return nil
        }
        return value
    }

    /// The target of `/proc/PID/exe`: the path of the executable the
    /// process runs as the kernel resolved it at exec, with " (deleted)"
    /// after it once that file was removed or replaced (an upgrade). Nil
    /// when the process is gone or is a kernel thread (no executable), or
    /// the link cannot be read (another user's process without
    /// CAP_SYS_PTRACE: not counted as a failed read, like a process that is
    /// gone). The corresponding C function is `readlinkat`.
    package func executable(of pid: Int32) -> [UInt8]? {
        guard pid > 0 else { return nil }
        setPath(pid, "/exe")
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.linkCapacity) { link -> [UInt8]? in
            let result = syscall("readlinkat") {
                UnsafeRawPointer(path).withMemoryRebound(to: CChar.self, capacity: Self.pathCapacity) { name in
                    link.withMemoryRebound(to: CChar.self) { readlinkat(procFD, name, $0.baseAddress!, $0.count) }
                }
            }
            switch result {
            case .success(let count):
                return Array(link[0..<count])
            case .failure(let error):
                // Another user's process without CAP_SYS_PTRACE, or one that
                // exited: not a failed read of /proc.
                if error.errno != .permissionDenied { _ = noteFailure(error) }
                return nil
            }
        }
    }

    /// Field 4 (the parent's PID, as the kernel has it now: init or a
    /// subreaper for a reparented process) and field 22 (when it started,
    /// in clock ticks after boot: with the PID, what tells a process from
    /// a later one that got its PID) of `/proc/PID/stat`. Nil when gone
    /// or unreadable.
    package func parentAndStart(of pid: Int32) -> (parent: Int32, start: UInt64)? {
        guard case .read(let count) = read(pid, "/stat") else { return nil }
        let stat = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else {
            _ = unparsable(pid, "/stat")
            return nil
        }
        var parent: Int32?
        var index = close + 1
        var field = 2
        while index < stat.count {
            while index < stat.count, stat[index] == UInt8(ascii: " ") { index += 1 }
            field += 1
            let start = index
            while index < stat.count, stat[index] != UInt8(ascii: " ") && stat[index] != UInt8(ascii: "\n") { index += 1 }
            if field == 4 { parent = DecimalText.parse(stat[start..<index]).flatMap { Int32(exactly: $0) } }
            if field == 22 {
                guard let parent, let started = DecimalText.parse(stat[start..<index]) else { break }
                return (parent, started)
            }
        }
        _ = unparsable(pid, "/stat")
        return nil
    }

    /// The number of threads of `pid` (the `Threads:` line of
    /// `/proc/PID/status`, a zombie leader included); nil when it is gone
    /// or cannot be read.
    /// At its leader's EXIT a process lives on when this is above 1.
    package func threadCount(of pid: Int32) -> Int? {
        processReads &+= 1
        guard case .read(let count) = read(pid, "/status") else { return nil }
        let status = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        let threads = Self.threadCount(status)
        return threads > 0 ? threads : nil
    }

    /// The `Threads:` field of a status text; 0 when it is missing.
    private static func threadCount(_ status: UnsafeRawBufferPointer) -> Int {
        guard let start = find(threadsTag, in: status) else { return 0 }
        var index = start + threadsTag.count
        while index < status.count, status[index] == UInt8(ascii: "\t") || status[index] == UInt8(ascii: " ") { index += 1 }
        let digits = index
        while index < status.count, status[index] &- UInt8(ascii: "0") < 10 { index += 1 }
        return DecimalText.parse(status[digits..<index]).map { Int(clamping: $0) } ?? 0
    }

    /// Field 20 of stat (`num_threads`), counted from the state (field 3)
    /// after comm's last ')'; 0 when it cannot be read.
    private static func statThreadCount(_ stat: UnsafeRawBufferPointer) -> Int {
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { return 0 }
        var index = close + 1
        var field = 2
        while index < stat.count {
            while index < stat.count, stat[index] == UInt8(ascii: " ") { index += 1 }
            field += 1
            let start = index
            while index < stat.count, stat[index] != UInt8(ascii: " ") { index += 1 }
            if field == 20 { return DecimalText.parse(stat[start..<index]).map { Int(clamping: $0) } ?? 0 }
        }
        return 0
    }

    /// `PID (COMM) S ...`: comm may hold any byte but NUL, parentheses
    /// included, so it ends at the LAST ')'.
    private static func commAndState(_ stat: UnsafeRawBufferPointer) -> (ProcessName, UInt8)? {
        guard let open = stat.firstIndex(of: UInt8(ascii: "(")),
              let close = stat.lastIndex(of: UInt8(ascii: ")")),
              close > open, close + 2 < stat.count else { return nil }
        return (ProcessName(UnsafeRawBufferPointer(rebasing: stat[(open + 1)..<close])), stat[close + 2])
    }

    /// `Name:\tCOMM\n` of a status file, the first line: the kernel escapes
    /// a backslash as `\\` and a newline as `\n` there, and no other byte.
    /// Nil when the line is missing or not ended.
    static func statusName(_ status: UnsafeRawBufferPointer) -> ProcessName? {
        let tag = Self.nameTag
        guard status.count > tag.count, status.starts(with: tag),
              let end = status[tag.count...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        // Unescaping never lengthens: the line's length is room enough.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: end - tag.count) { raw -> ProcessName in
            var count = 0
            var index = tag.count
            while index < end {
                var byte = status[index]
                if byte == UInt8(ascii: "\\"), index + 1 < end {
                    index += 1
                    byte = status[index] == UInt8(ascii: "n") ? UInt8(ascii: "\n") : status[index]
                }
                raw[count] = byte
                count += 1
                index += 1
            }
            return ProcessName(UnsafeBufferPointer(rebasing: raw[0..<count]))
        }
    }

    /// Calls `body` for every process with what `keys` needs, and
    /// `unreadable` for every one that exists but could not be read (not an
    /// exit: keep what is known of it); processes that vanish during the
    /// walk are skipped. Throws, before calling either, when `/proc` cannot
    /// be listed: an empty scan would make every process look gone.
    package func scan(
        reading keys: RuleKeys,
        unreadable: (Int32) -> Void = { _ in },
        _ body: (Int32, ProcessIdentity) -> Void
    ) throws(SystemCallError) {
        let pids: [Int32]
        do { pids = try processIDs() } catch {
            scanFailures &+= 1
            throw error
        }
        for pid in pids {
            switch lookUpUncounted(pid, keys) {
            case .found(let identity): body(pid, identity)
            case .gone: break
            case .unreadable: unreadable(pid)
            }
        }
    }

    // MARK: - internals

    private static let uidTag: [UInt8] = Array("\nUid:".utf8)
    private static let gidTag: [UInt8] = Array("\nGid:".utf8)
    private static let zombieTag: [UInt8] = Array("\nState:\tZ".utf8)
    private static let threadsTag: [UInt8] = Array("\nThreads:".utf8)
    private static let nameTag: [UInt8] = Array("Name:\t".utf8)

    private func forEachProcessID(_ body: (Int32) -> Void) throws(SystemCallError) {
        let directory = try syscall("opendir", subject: procPath) { opendir(procPath) }.get()
        defer { closedir(directory) }
        // readdir's errors (EBADF) are bugs; its nil is the end.
        while let entry = readdir(directory) {
            let pid = withUnsafeBytes(of: &entry.pointee.d_name) { name in
                DecimalText.parse(name.prefix { $0 != 0 }).flatMap { Int32(exactly: $0) }
            }
            if let pid { body(pid) }
        }
    }

    /// Writes "PID" + suffix, NUL-terminated, into `path` (relative to /proc).
    private func setPath(_ pid: Int32, _ suffix: StaticString) {
        var length = DecimalText.write(UInt32(bitPattern: pid), to: path)
        suffix.withUTF8Buffer { bytes in
            for byte in bytes {
                path[length] = byte
                length += 1
            }
        }
        path[length] = 0
    }

    private enum FileRead {
        case read(Int)
        case gone
        /// Counted in `readFailures`.
        case failed
    }

    /// Reads the start of /proc/PID/suffix into `buffer`.
    private func read(_ pid: Int32, _ suffix: StaticString) -> FileRead {
        guard pid > 0 else { return .gone }
        setPath(pid, suffix)
        let opened = syscall("openat") {
            UnsafeRawPointer(path).withMemoryRebound(to: CChar.self, capacity: Self.pathCapacity) {
                openat(procFD, $0, O_RDONLY | O_CLOEXEC)
            }
        }
        let fd: Int32
        switch opened {
        case .success(let opened): fd = opened
        case .failure(let error): return noteFailure(error)
        }
        defer { closeDescriptor(fd) }
        switch syscall("read", { Glibc.read(fd, buffer.baseAddress, buffer.count) }) {
        case .success(let count): return .read(count)
        case .failure(let error): return noteFailure(error)
        }
    }

    /// Counts a failed read unless it only means the process is gone.
    private func noteFailure(_ error: SystemCallError) -> FileRead {
        if error.errno == .noSuchFileOrDirectory || error.errno == .noSuchProcess { return .gone }
        readFailures &+= 1
        lastReadFailure = .system(error)
        return .failed
    }

    /// Counts a file that does not parse.
    private func unparsable(_ pid: Int32, _ suffix: StaticString) -> ProcessReading {
        readFailures &+= 1
        lastReadFailure = .unparsable(path: "\(procPath)/\(pid)\(suffix)")
        return .unreadable
    }

    /// The first two whitespace-separated decimal fields after the line
    /// tag `tag` (which starts with "\n").
    private static func twoFields(after tag: [UInt8], in text: UnsafeRawBufferPointer) -> (UInt32, UInt32)? {
        guard let start = find(tag, in: text) else { return nil }
        var index = start + tag.count
        func field() -> UInt32? {
            while index < text.count, text[index] == UInt8(ascii: "\t") || text[index] == UInt8(ascii: " ") {
                index += 1
            }
            let digits = index
            while index < text.count, text[index] &- UInt8(ascii: "0") < 10 { index += 1 }
            return DecimalText.parse(text[digits..<index]).flatMap { UInt32(exactly: $0) }
        }
        guard let first = field(), let second = field() else { return nil }
        return (first, second)
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
