import Glibc

/// What the accounting tests make a process use: CPU time, memory, storage I/O.
enum Usage {
    /// Runs on the CPU until this process has used `milliseconds` of CPU time.
    static func burn(milliseconds: Int) {
        var now = timespec()
        var spin: UInt64 = 0
        repeat {
            for _ in 0..<1000 { spin = spin &* 6364136223846793005 &+ 1442695040888963407 }
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        } while Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000 < milliseconds
        if spin == 42 { print("") }  // keeps the loop
    }

    /// Runs `argv` `count` times, one at a time (fork, exec, reap);
    /// returns "SELF_US CHILDREN_US" (getrusage RUSAGE_SELF, RUSAGE_CHILDREN).
    static func runChildren(count: Int, _ argv: [String]) -> String {
        let arguments = argv.map { strdup($0) } + [nil]
        for _ in 0..<count {
            let child = fork()
            if child == 0 {
                execv(argv[0], arguments)
                _exit(127)
            }
            var status: Int32 = 0
            if child > 0 { while waitpid(child, &status, 0) < 0 && errno == EINTR {} }
        }
        func micro(_ who: Int32) -> UInt64 {
            var usage = rusage()
            getrusage(__rusage_who_t(who), &usage)
            func us(_ time: timeval) -> UInt64 { UInt64(time.tv_sec) * 1_000_000 + UInt64(time.tv_usec) }
            return us(usage.ru_utime) + us(usage.ru_stime)
        }
        return "\(micro(RUSAGE_SELF.rawValue)) \(micro(RUSAGE_CHILDREN.rawValue))"
    }

    /// Allocates `mebibytes` MiB and writes every page (it stays resident).
    static func touch(mebibytes: Int) -> String {
        let size = mebibytes << 20
        guard let memory = malloc(size) else { return "error: malloc failed" }
        let pages = memory.assumingMemoryBound(to: UInt8.self)
        for offset in stride(from: 0, to: size, by: 4096) { pages[offset] = 1 }
        touched.append(memory)
        return "ok"
    }

    nonisolated(unsafe) static var touched: [UnsafeMutableRawPointer] = []

    /// Writes `bytes` bytes to a new file at `path` and fsyncs it, so the
    /// writes reach the storage (and count as `write_bytes`).
    static func writeAndSync(path: String, bytes: Int) -> String {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "error: open \(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x5A, count: 65536)
        var left = bytes
        while left > 0 {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, min(left, $0.count)) }
            if written < 0 {
                if errno == EINTR { continue }
                return "error: write: \(String(cString: strerror(errno)))"
            }
            left -= written
        }
        return fsync(fd) == 0 ? "ok" : "error: fsync: \(String(cString: strerror(errno)))"
    }
}
