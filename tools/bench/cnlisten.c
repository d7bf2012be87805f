// A minimal proc-connector listener, to tell the kernel's share of the
// storm's slowdown from the daemon's: it subscribes like uprocd and counts
// datagrams, without classifying anything.
//   cnlisten 0     recv at once: one wake-up per burst, like an epoll loop
//   cnlisten MS    drain everything, then sleep MS ms before waiting again
// Stops on SIGTERM/SIGINT and prints: datagrams=N drops=N cpu_ns=N wakeups=N
#define _GNU_SOURCE
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int signo) { (void)signo; stop = 1; }

int main(int argc, char **argv) {
    long batch_ms = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
    struct sigaction action = {.sa_handler = on_signal};
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);

    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (fd < 0) { perror("socket"); return 1; }
    int size = 8 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0) perror("SO_RCVBUFFORCE");
    struct sockaddr_nl address = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
    if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0) { perror("bind"); return 1; }

    struct {
        struct nlmsghdr header;
        struct cn_msg message;
        enum proc_cn_mcast_op op;
    } __attribute__((packed)) request;
    memset(&request, 0, sizeof request);
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_type = NLMSG_DONE;
    request.header.nlmsg_pid = getpid();
    request.message.id.idx = CN_IDX_PROC;
    request.message.id.val = CN_VAL_PROC;
    request.message.len = sizeof request.op;
    request.op = PROC_CN_MCAST_LISTEN;
    if (send(fd, &request, sizeof request, 0) < 0) { perror("send"); return 1; }

    char buffer[1 << 16];
    unsigned long long datagrams = 0, drops = 0, wakeups = 0;
    struct timespec pause = {.tv_sec = batch_ms / 1000, .tv_nsec = (batch_ms % 1000) * 1000000};
    printf("ready\n");
    fflush(stdout);
    while (!stop) {
        struct pollfd poller = {.fd = fd, .events = POLLIN};
        if (poll(&poller, 1, -1) < 0) continue;  // EINTR: check stop
        wakeups++;
        for (;;) {
            ssize_t count = recv(fd, buffer, sizeof buffer, 0);
            if (count > 0) { datagrams++; continue; }
            if (count < 0 && errno == ENOBUFS) { drops++; continue; }
            break;  // EAGAIN
        }
        if (batch_ms > 0) nanosleep(&pause, NULL);
    }
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    printf("datagrams=%llu drops=%llu cpu_ns=%llu wakeups=%llu\n", datagrams, drops,
           (unsigned long long)cpu.tv_sec * 1000000000ull + (unsigned long long)cpu.tv_nsec, wakeups);
    return 0;
}
