import Glibc

/// The fixture's state: the blocked threads of the last `threads N`.
struct Fixture {
    private var blocked: [pthread_t] = []
    /// Closing this write end releases every blocked thread (their `read` returns 0).
    private var release: (read: Int32, write: Int32)?
    /// One extra thread that runs `worker-*` commands: its credentials and name are its own.
    private let worker = Worker()
    private var inotify = InotifyFill()

    mutating func perform(_ line: String) -> String {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let command = words.first else { return "error: empty command" }
        let argument = words.count > 1 ? words[1] : nil
        switch (command, argument) {
        case ("threads", let count?):
            guard let n = Int(count), n >= 0 else { return "error: threads: not a count: \(count)" }
            return startBlocked(n)
        case ("join-threads", nil):
            return joinBlocked()
        case ("rename-thread", let name?):
            return renameNewThread(name)
        case ("rename-main", let name?):
            return LibC.prctlSetName(name) == 0 ? "ok" : "error: rename-main: \(describe(errno))"
        case ("setuid", let id?):
            return setID(id, "setuid") { setuid($0) }
        case ("setgid", let id?):
            return setID(id, "setgid") { setgid($0) }
        case ("seteuid", let id?):
            return setID(id, "seteuid") { seteuid($0) }
        case ("fork", nil):
            return Self.forkPausingChild()
        case ("reap", nil):
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            return pid > 0 ? "ok" : "error: waitpid: \(describe(errno))"
        case ("pid", nil):
            return "\(getpid())"
        case ("clone-parent", nil):
            return cloneParentChild()
        case ("worker-setresuid", let id?):
            guard let uid = UInt32(id) else { return "error: worker-setresuid: not an ID: \(id)" }
            return worker.run { LibC.setresuidThisThread(uid) == 0 ? "ok" : "error: setresuid: \(describe(errno))" }
        case ("worker-rename", let name?):
            return worker.run { LibC.prctlSetName(name) == 0 ? "ok" : "error: worker-rename: \(describe(errno))" }
        case ("worker-fork", nil):
            return worker.run { Fixture.forkPausingChild() }
        case ("subreaper", nil):
            return LibC.prctlDeathSignal()(LibC.prSetChildSubreaper, 1) == 0 ? "ok" : "error: subreaper: \(describe(errno))"
        case ("loginuid", let id?):
            return Self.writeLoginUID(id)
        case ("sh", _?):
            return Self.spawnShell(String(line.drop { $0 == " " }.dropFirst(2).drop { $0 == " " }))
        case ("exit-main", nil):
            return "exit-main"
        case ("burn", let milliseconds?):
            guard let value = Int(milliseconds) else { return "error: burn: not a count: \(milliseconds)" }
            Usage.burn(milliseconds: value)
            return "ok"
        case ("touch", let mebibytes?):
            guard let value = Int(mebibytes), value > 0 else { return "error: touch: not a count: \(mebibytes)" }
            return Usage.touch(mebibytes: value)
        case ("write-fsync", let path?):
            guard words.count == 3, let bytes = Int(words[2]) else { return "error: write-fsync PATH BYTES" }
            return Usage.writeAndSync(path: path, bytes: bytes)
        case ("inotify-fill-instances", nil):
            return inotify.fillInstances()
        case ("inotify-fill-watches", let directory?):
            guard words.count == 3, let instances = Int(words[2]), instances > 0 else {
                return "error: inotify-fill-watches DIR INSTANCES"
            }
            return inotify.fillWatches(directory: directory, instances: instances)
        default:
            return "error: unknown command: \(line)"
        }
    }

    private mutating func startBlocked(_ count: Int) -> String {
        if release == nil {
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { return "error: pipe: \(describe(errno))" }
            release = (fds[0], fds[1])
        }
        let readEnd = release!.read
        for _ in 0..<count {
            let started = startThread {
                var byte: UInt8 = 0
                while read(readEnd, &byte, 1) < 0 && errno == EINTR {}
            }
            guard let thread = started else { return "error: pthread_create failed" }
            blocked.append(thread)
        }
        return "ok"
    }

    private mutating func joinBlocked() -> String {
        guard let fds = release else { return "ok" }
        // One byte per thread, not EOF: a child forked meanwhile holds the write end too.
        var bytes = [UInt8](repeating: 0, count: blocked.count)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeMutableBytes { write(fds.write, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return "error: join-threads: \(describe(errno))"
            }
            offset += written
        }
        close(fds.write)
        for thread in blocked {
            pthread_join(thread, nil)
        }
        close(fds.read)
        blocked = []
        release = nil
        return "ok"
    }

    /// The new thread names itself (a COMM event for a non-leader thread),
    /// reports the result, then stays alive so the name stays visible in /proc.
    private func renameNewThread(_ name: String) -> String {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return "error: pipe: \(describe(errno))" }
        defer { close(fds[0]) }
        let reportEnd = fds[1]
        let started = startThread {
            var rc = UInt8(truncatingIfNeeded: LibC.pthreadSetName(pthread_self(), name))
            _ = write(reportEnd, &rc, 1)
            close(reportEnd)
            while true { pause() }
        }
        guard started != nil else {
            close(reportEnd)
            return "error: pthread_create failed"
        }
        var rc: UInt8 = 0
        var got = read(fds[0], &rc, 1)
        while got < 0 && errno == EINTR { got = read(fds[0], &rc, 1) }
        guard got == 1 else { return "error: rename-thread: no report from the thread" }
        return rc == 0 ? "ok" : "error: rename-thread: \(describe(Int32(rc)))"
    }

    /// What pam_loginuid does at a login: the audit login UID of this process.
    private static func writeLoginUID(_ id: String) -> String {
        let fd = open("/proc/self/loginuid", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return "error: loginuid: \(describe(errno))" }
        defer { close(fd) }
        let written = id.withCString { write(fd, $0, strlen($0)) }
        return written == id.utf8.count ? "ok" : "error: loginuid: \(describe(errno))"
    }

    /// `/bin/sh -c script` as a child of this process.
    private static func spawnShell(_ script: String) -> String {
        var pid: pid_t = 0
        let words: [String] = ["sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        let result = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        return result == 0 ? "\(pid)" : "error: sh: \(describe(result))"
    }

    /// fork without exec: the child keeps this process's IDs and comm, pauses, and
    /// dies with its parent (PR_SET_PDEATHSIG) so a failed test leaves nothing behind.
    private static func forkPausingChild() -> String {
        let setDeathSignal = LibC.prctlDeathSignal()
        let parent = getpid()
        let child = fork()
        if child < 0 { return "error: fork: \(describe(errno))" }
        if child == 0 {
            // Only async-signal-safe calls here: the parent may have threads.
            _ = setDeathSignal(LibC.prSetPdeathsig, UInt(SIGKILL))
            if getppid() != parent { _exit(0) }
            while true { pause() }
        }
        return "\(child)"
    }

    /// clone(CLONE_PARENT): the child's parent is this process's parent, so the kernel's
    /// FORK event names the grandparent. The child pauses until this process ends (a
    /// lifeline pipe closes); its parent, not this process, must reap it.
    private func cloneParentChild() -> String {
        let lifeline = Lifeline.shared
        let child = LibC.rawClone(flags: LibC.cloneParent | UInt(SIGCHLD))
        if child < 0 { return "error: clone: \(describe(errno))" }
        if child == 0 {
            // Raw clone: only raw system calls here.
            close(lifeline.write)
            var byte: UInt8 = 0
            while read(lifeline.read, &byte, 1) < 0 {}
            _exit(0)
        }
        return "\(child)"
    }

    private func setID(_ text: String, _ call: String, _ set: (UInt32) -> Int32) -> String {
        guard let id = UInt32(text) else { return "error: \(call): not an ID: \(text)" }
        return set(id) == 0 ? "ok" : "error: \(call): \(describe(errno))"
    }
}

func describe(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// Writes `text` and a newline to stdout at once (no buffering to flush).
func respond(_ text: String) {
    var bytes = Array(text.utf8)
    bytes.append(UInt8(ascii: "\n"))
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            exit(1)
        }
        offset += written
    }
}

/// A pipe whose write end only this process holds: children that keep the read end
/// see EOF when it ends, however it ends.
struct Lifeline: @unchecked Sendable {
    let read: Int32
    let write: Int32
    nonisolated(unsafe) static let shared: Lifeline = {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        return Lifeline(read: fds[0], write: fds[1])
    }()
}

/// A thread that runs one closure at a time on behalf of the main thread and hands
/// back its answer: per-thread credentials and names, forks from a non-leader thread.
final class Worker: @unchecked Sendable {
    private var job: (() -> String)?
    private var answer = ""
    private var started = false
    private var toWorker: [Int32] = [-1, -1]
    private var fromWorker: [Int32] = [-1, -1]

    func run(_ body: @escaping () -> String) -> String {
        if !started {
            guard pipe(&toWorker) == 0, pipe(&fromWorker) == 0 else { return "error: pipe: \(describe(errno))" }
            let input = toWorker[0]
            let output = fromWorker[1]
            let started = startThread { [self] in
                var byte: UInt8 = 0
                while true {
                    let got = read(input, &byte, 1)
                    if got < 0 && errno == EINTR { continue }
                    if got <= 0 { return }
                    answer = job?() ?? "error: no job"
                    _ = write(output, &byte, 1)
                }
            }
            guard started != nil else { return "error: pthread_create failed" }
            self.started = true
        }
        job = body
        var byte: UInt8 = 1
        _ = write(toWorker[1], &byte, 1)
        while read(fromWorker[0], &byte, 1) < 0 && errno == EINTR {}
        return answer
    }
}

/// Two libc calls the Glibc module does not import: `prctl` is variadic and
/// `pthread_setname_np` needs _GNU_SOURCE. Looked up by name instead; prctl gets
/// integer arguments only, which the plain C signature passes as the variadic one does.
enum LibC {
    typealias Prctl = @convention(c) (Int32, UInt) -> Int32
    private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    /// From linux/prctl.h.
    private static let prSetName: Int32 = 15
    static let prSetPdeathsig: Int32 = 1
    static let prSetChildSubreaper: Int32 = 36

    private static func symbol<T>(_ name: String, as type: T.Type) -> T {
        guard let address = dlsym(dlopen(nil, RTLD_NOW), name) else {
            fatalError("uproc-testproc: \(name) not found")
        }
        return unsafeBitCast(address, to: type)
    }

    /// prctl(PR_SET_NAME, name) on the calling thread; -1 and errno on failure.
    static func prctlSetName(_ name: String) -> Int32 {
        let call = symbol("prctl", as: Prctl.self)
        return name.withCString { call(prSetName, UInt(bitPattern: $0)) }
    }

    /// prctl itself, looked up before a fork (dlsym is not async-signal-safe).
    static func prctlDeathSignal() -> @convention(c) (Int32, UInt) -> Int32 {
        symbol("prctl", as: Prctl.self)
    }

    typealias Syscall = @convention(c) (Int, UInt, UInt, UInt, UInt, UInt) -> Int
    /// From asm/unistd_64.h and linux/sched.h (x86_64).
    private static let sysClone = 56
    private static let sysSetresuid = 117
    static let cloneParent: UInt = 0x0000_8000

    /// The raw setresuid system call: glibc's wrapper changes every thread, this only
    /// the calling one.
    static func setresuidThisThread(_ uid: UInt32) -> Int {
        let call = symbol("syscall", as: Syscall.self)
        return call(sysSetresuid, UInt(uid), UInt(uid), UInt(uid), 0, 0)
    }

    /// clone(flags) with no new stack: fork-like, the child continues on a copy of
    /// this stack. Returns the child's PID, 0 in the child, -1 and errno on failure.
    static func rawClone(flags: UInt) -> Int {
        let call = symbol("syscall", as: Syscall.self)
        return call(sysClone, flags, 0, 0, 0, 0)
    }

    /// pthread_setname_np: 0 or an error number (ERANGE over 15 bytes).
    static func pthreadSetName(_ thread: pthread_t, _ name: String) -> Int32 {
        let call = symbol("pthread_setname_np", as: SetName.self)
        return name.withCString { call(thread, $0) }
    }
}

private final class ThreadBody {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// pthread_create with a Swift closure; nil when the thread could not start.
func startThread(_ body: @escaping () -> Void) -> pthread_t? {
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
    }, box)
    guard rc == 0 else {
        Unmanaged<ThreadBody>.fromOpaque(box).release()
        return nil
    }
    return thread
}
