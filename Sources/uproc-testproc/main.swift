// uproc-testproc: a process the daemon tests steer through stdin, one command a line.
// Each command is answered with one line on stdout (`ok`, `error: …`, or the PID for `pid`).
// The main thread reads stdin, so `rename-main` names the thread-group leader.
//
//   threads N           start N threads that block until `join-threads`
//   join-threads        let those threads finish and join them
//   rename-thread NAME  start one more thread that names itself NAME and keeps running
//   rename-main NAME    prctl(PR_SET_NAME) on the main thread
//   setuid N / setgid N / seteuid N
//   fork                fork (no exec) a child that pauses and dies with this process; print its PID
//   reap                wait for one child to end
//   pid                 print the PID
//   clone-parent        clone(CLONE_PARENT) a child (its parent is ours) that lives until we end; print its PID
//   worker-setresuid N  raw setresuid(N, N, N) on one extra thread only (the "worker")
//   worker-rename NAME  prctl(PR_SET_NAME) on the worker thread
//   worker-fork         like `fork`, from the worker thread
//   subreaper           prctl(PR_SET_CHILD_SUBREAPER, 1): orphans below this process come to it
//   loginuid N          write N to /proc/self/loginuid (as pam_loginuid does; needs CAP_AUDIT_CONTROL)
//   sh SCRIPT           fork and exec /bin/sh -c SCRIPT (the rest of the line); print its PID
//   exit-main           answer `ok` from another thread, then pthread_exit the main thread:
//                       the process lives on until EOF (or its last thread ends)
//   inotify-fill-instances          open inotify instances until the user's limit; print how many
//   inotify-fill-watches DIR N      from N instances, watch every file in DIR until the user's
//                                   watch limit; print how many watches that took
//   burn MS             use MS ms of CPU time (in all: the process's total)
//   touch MIB           allocate MIB MiB and write every page
//   write-fsync PATH N  write N bytes to a new file PATH and fsync it
//   EOF                 exit 0
//
// With arguments it serves nothing: `uproc-testproc burn MS [CODE]` uses MS ms of
// CPU time, then exits with CODE (default 0); `uproc-testproc run-children N PROGRAM ARG...`
// runs PROGRAM N times, one at a time, and prints its own CPU time and its children's
// (getrusage RUSAGE_SELF and RUSAGE_CHILDREN, µs).

import Glibc

nonisolated(unsafe) var fixture = Fixture()

/// Serves stdin until EOF. After `exit-main` it runs on a new thread while the main
/// thread exits.
func serve() {
    while let line = readLine() {
        let answer = fixture.perform(line)
        if answer == "exit-main" {
            let moved = startThread {
                respond("ok")
                serve()
                exit(0)
            }
            guard moved != nil else {
                respond("error: pthread_create failed")
                continue
            }
            pthread_exit(nil)
        }
        respond(answer)
    }
}

let arguments = CommandLine.arguments
if arguments.count >= 4, arguments[1] == "run-children", let count = Int(arguments[2]) {
    print(Usage.runChildren(count: count, Array(arguments[3...])))
    exit(0)
}
if arguments.count >= 3, arguments[1] == "burn", let milliseconds = Int(arguments[2]) {
    Usage.burn(milliseconds: milliseconds)
    exit(arguments.count > 3 ? Int32(arguments[3]) ?? 2 : 0)
}
serve()
