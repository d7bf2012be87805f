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
//   EOF                 exit 0

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

serve()
