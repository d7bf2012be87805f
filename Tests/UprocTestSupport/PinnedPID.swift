import Foundation
import Glibc

extension Child {
    /// Starts `argv` (absolute path first, stdio inherited) as exactly PID `pid`, or
    /// returns nil when `pid` is in use. Needs root and Linux 5.5: clone3(2) with
    /// `set_tid`, so unlike writing `ns_last_pid` it neither races with other forks
    /// nor moves the PID cursor every other process on the machine follows.
    public static func start(_ argv: [String], asPID pid: Int32) throws -> Child? {
        let clone3 = try Clone3.call()
        // All the child touches is prepared here: between clone3 and execve it
        // is a copy of a multithreaded process and must not allocate or lock.
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var tid = pid
        var empty = sigset_t()
        sigemptyset(&empty)
        let child: Int = cArguments.withUnsafeBufferPointer { arguments in
            withUnsafeMutablePointer(to: &tid) { tid in
                // struct clone_args up to set_tid_size (CLONE_ARGS_SIZE_VER1): flags,
                // pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
                // set_tid, set_tid_size.
                var args: [UInt64] = [0, 0, 0, 0, UInt64(SIGCHLD), 0, 0, 0, UInt64(UInt(bitPattern: tid)), 1]
                return args.withUnsafeMutableBytes { bytes in
                    let result = clone3(Clone3.number, bytes.baseAddress!, bytes.count)
                    if result == 0 {
                        // The test runner's threads block signals; a shell's child would not.
                        pthread_sigmask(SIG_SETMASK, &empty, nil)
                        execve(arguments[0]!, arguments.baseAddress!, environ)
                        _exit(127)
                    }
                    return result
                }
            }
        }
        if child < 0 {
            if errno == EEXIST { return nil }
            throw HarnessError("clone3 as pid \(pid) for \(argv.joined(separator: " ")): \(String(cString: strerror(errno)))")
        }
        precondition(child == Int(pid), "clone3 with set_tid \(pid) gave pid \(child)")
        return Child(adopting: pid, command: argv.joined(separator: " "))
    }
}

/// syscall(2) is variadic, so Swift does not import it, and the C shims are not the
/// tests' to extend: it is called through a pointer of a fixed signature, as the
/// x86-64 and AArch64 Linux ABIs pass the first arguments of both alike (glibc's
/// syscall is a few register moves that never read a variadic count).
private enum Clone3 {
    static let number = 435  // the same on every architecture (new system calls share one table)

    typealias Syscall = @convention(c) (Int, UnsafeMutableRawPointer, Int) -> Int

    static func call() throws -> Syscall {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "syscall") else {
            throw HarnessError("dlsym syscall: \(String(cString: dlerror()))")
        }
        return unsafeBitCast(symbol, to: Syscall.self)
    }
}
