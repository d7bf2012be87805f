// Short CPU-bound processes with a known truth, for tools/bench/accounting.
//   burn MS                           burns MS ms of CPU (its own clock), exits 0
//   burn-spawn COUNT MS PARALLEL BURN  posix_spawns COUNT `BURN MS`, at most PARALLEL
//                                      at a time, reaps each, then prints
//                                      truth_us=N children=N wall_ms=N
// truth_us is getrusage(RUSAGE_CHILDREN): user + system CPU of every child.
// Run the spawner through a link of another name (burn-spawn) so that its
// own comm is not `burn` and its CPU is not counted with the children's.
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double cpu_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
    if (argc == 2) {
        double target = strtod(argv[1], NULL);
        volatile unsigned long spin = 0;
        while (cpu_ms() < target) for (int i = 0; i < 10000; i++) spin++;
        return 0;
    }
    if (argc != 5) {
        fprintf(stderr, "usage: burn MS | burn-spawn COUNT MS PARALLEL BURN\n");
        return 64;
    }
    long count = strtol(argv[1], NULL, 10), parallel = strtol(argv[3], NULL, 10);
    char *child_argv[] = {argv[4], argv[2], NULL};
    double start = wall_ms();
    long started = 0, running = 0, failed = 0;
    while (started < count || running > 0) {
        while (started < count && running < parallel) {
            pid_t pid;
            if (posix_spawn(&pid, argv[4], NULL, NULL, child_argv, environ) != 0) { perror("posix_spawn"); return 1; }
            started++;
            running++;
        }
        int status;
        if (wait(&status) < 0) { perror("wait"); return 1; }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
        running--;
    }
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    long long truth = (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec +
                      (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec;
    printf("truth_us=%lld children=%ld failed=%ld wall_ms=%.0f\n", truth, count, failed, wall_ms() - start);
    return failed != 0;
}
