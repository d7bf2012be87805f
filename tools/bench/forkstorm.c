// Fork+exit storm without a language runtime: fork, the child _exit(0)s at
// once, the parent reaps it before the next fork. One FORK and one EXIT
// proc-connector event per round. Same output as `uproc-bench storm`.
//   forkstorm COUNT   ->   forks=N nanoseconds=N forks_per_second=N
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv) {
    long count = argc > 1 ? strtol(argv[1], NULL, 10) : 20000;
    if (count <= 0) {
        fprintf(stderr, "usage: forkstorm COUNT\n");
        return 64;
    }
    unsigned long long start = now_ns();
    for (long i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        int status;
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                perror("waitpid");
                return 1;
            }
        }
    }
    unsigned long long elapsed = now_ns() - start;
    printf("forks=%ld nanoseconds=%llu forks_per_second=%llu\n", count, elapsed,
           (unsigned long long)count * 1000000000ull / (elapsed ? elapsed : 1));
    return 0;
}
