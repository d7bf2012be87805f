// Holds COUNT long-lived processes for tools/bench/heavy and, once asked,
// churns them: forks COUNT children that pause(), prints "ready count=N pid=PID",
// and on SIGUSR1 starts replacing one child, picked at random, every 1/RATE s
// (SIGKILL, reap, fork: one EXIT and one FORK event each). The new PIDs land
// wherever the kernel's PID counter is, in the middle of the held ones once
// it wraps at pid_max.
//   holder COUNT RATE
// Stops on SIGTERM, SIGINT or SIGHUP: ends every child, reaps them and prints
//   replaced=N churn_ns=N
// The children die with it even when it is SIGKILLed (PR_SET_PDEATHSIG).
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t *children;
static long held;

static unsigned long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

// A child: default signal handling, unblocked, dies with its parent, waits.
static pid_t hold_one(const sigset_t *original, pid_t parent) {
    pid_t pid = fork();
    if (pid != 0) return pid;
    sigprocmask(SIG_SETMASK, original, NULL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);  // the parent died before the prctl
    for (;;) pause();
}

static void reap(pid_t pid) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
}

static void end_all(void) {
    for (long i = 0; i < held; i++) kill(children[i], SIGKILL);
    for (long i = 0; i < held; i++) reap(children[i]);
    held = 0;
}

int main(int argc, char **argv) {
    long count = argc > 2 ? strtol(argv[1], NULL, 10) : 0;
    double rate = argc > 2 ? strtod(argv[2], NULL) : -1;
    if (count <= 0 || rate < 0) {
        fprintf(stderr, "usage: holder COUNT RATE   (RATE replacements per second after SIGUSR1; 0: none)\n");
        return 64;
    }
    children = calloc((size_t)count, sizeof *children);
    if (!children) { perror("calloc"); return 1; }

    // Signals arrive through sigtimedwait, so the churn timer and the stop
    // request share one wait.
    sigset_t wanted, original;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGUSR1);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGINT);
    sigaddset(&wanted, SIGHUP);
    sigprocmask(SIG_BLOCK, &wanted, &original);
    pid_t self = getpid();

    for (held = 0; held < count; held++) {
        pid_t pid = hold_one(&original, self);
        if (pid < 0) {
            fprintf(stderr, "holder: fork of child %ld of %ld: %s\n", held + 1, count, strerror(errno));
            end_all();
            return 1;
        }
        children[held] = pid;
    }
    printf("ready count=%ld pid=%d\n", count, (int)self);
    fflush(stdout);

    unsigned long long period = rate > 0 ? (unsigned long long)(1e9 / rate) : 0, started = 0, next = 0, replaced = 0;
    unsigned long long random = now_ns() | 1;
    for (;;) {
        struct timespec timeout = {.tv_sec = 3600};
        if (started) {
            unsigned long long now = now_ns();
            if (now >= next) {
                // xorshift64: any child may go, so the free PIDs scatter.
                random ^= random << 13;
                random ^= random >> 7;
                random ^= random << 17;
                long index = (long)(random % (unsigned long long)count);
                kill(children[index], SIGKILL);
                reap(children[index]);
                pid_t pid = hold_one(&original, self);
                if (pid < 0) {
                    fprintf(stderr, "holder: fork of a replacement: %s\n", strerror(errno));
                    children[index] = children[--held];
                    end_all();
                    return 1;
                }
                children[index] = pid;
                replaced++;
                next += period;
                // Fell more than a second behind (a stalled machine): no burst to catch up.
                if (now > next + 1000000000ull) next = now + period;
                continue;
            }
            timeout.tv_sec = (time_t)((next - now) / 1000000000ull);
            timeout.tv_nsec = (long)((next - now) % 1000000000ull);
        }
        int signo = sigtimedwait(&wanted, NULL, &timeout);
        if (signo < 0) continue;  // EAGAIN: churn time; EINTR: again
        if (signo == SIGUSR1) {
            if (!started && period) started = next = now_ns();
            continue;
        }
        unsigned long long churned = started ? now_ns() - started : 0;
        end_all();
        printf("replaced=%llu churn_ns=%llu\n", replaced, churned);
        return 0;
    }
}
