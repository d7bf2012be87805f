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
//   EOF                 exit 0

var fixture = Fixture()
while let line = readLine() {
    respond(fixture.perform(line))
}
