// How exact the kernel's taskstats exit records are, against getrusage:
// runs COMMAND (through /bin/sh -c) COUNT times, one at a time, reaps each
// with wait4 (its rusage: the truth), and compares per process what the
// exit record says: the tick samples (ac_utime + ac_stime, what uproc
// counts) and the scheduler's runtime (cpu_run_virtual_total, which lacks
// each process's last slice). Root (CAP_NET_ADMIN). Build and run:
//   cc -O2 -Wall -o /tmp/taskstats-exactness tools/bench/taskstats-exactness.c
//   /tmp/taskstats-exactness 300 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'
// Prints: runs=N missing=N truth_us=N samples_us=N runtime_us=N samples/truth=R runtime/truth=R
// (A COMMAND that forks children the shell waits for puts their CPU in the
// truth and not in the shell's record: use `exec` for one program.)
#define _GNU_SOURCE
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ATTRIBUTE_DATA(attribute) ((void *)((char *)(attribute) + NLA_HDRLEN))

static int fd;

static void request(unsigned short type, unsigned char command, unsigned short attribute, const void *data, int length) {
    char buffer[512] = {0};
    struct nlmsghdr *header = (void *)buffer;
    header->nlmsg_type = type;
    header->nlmsg_flags = NLM_F_REQUEST;
    struct genlmsghdr *generic = NLMSG_DATA(header);
    generic->cmd = command;
    generic->version = 1;
    struct nlattr *value = (void *)((char *)generic + GENL_HDRLEN);
    value->nla_type = attribute;
    value->nla_len = NLA_HDRLEN + length;
    memcpy(ATTRIBUTE_DATA(value), data, length);
    header->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(value->nla_len);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    if (sendto(fd, buffer, header->nlmsg_len, 0, (void *)&kernel, sizeof kernel) < 0) { perror("sendto"); exit(1); }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s COUNT COMMAND\n", argv[0]); return 2; }
    int count = atoi(argv[1]);
    pid_t *pids = calloc(count, sizeof *pids);
    unsigned long long *truth = calloc(count, 8), *samples = calloc(count, 8), *runtime = calloc(count, 8);
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
    struct sockaddr_nl address = {.nl_family = AF_NETLINK};
    bind(fd, (void *)&address, sizeof address);
    int size = 64 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);

    request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, "TASKSTATS", 10);
    char buffer[1 << 16];
    int received = recv(fd, buffer, sizeof buffer, 0);
    unsigned short family = 0;
    struct nlmsghdr *header = (void *)buffer;
    if (received > 0 && header->nlmsg_type == GENL_ID_CTRL) {
        int left = header->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
        struct nlattr *attribute = (void *)((char *)NLMSG_DATA(header) + GENL_HDRLEN);
        for (; left >= NLA_HDRLEN && attribute->nla_len >= NLA_HDRLEN; left -= NLA_ALIGN(attribute->nla_len),
             attribute = (void *)((char *)attribute + NLA_ALIGN(attribute->nla_len)))
            if (attribute->nla_type == CTRL_ATTR_FAMILY_ID) family = *(unsigned short *)ATTRIBUTE_DATA(attribute);
    }
    if (!family) { fprintf(stderr, "no taskstats family\n"); return 1; }
    char cpus[256] = "0";
    FILE *possible = fopen("/sys/devices/system/cpu/possible", "r");
    if (possible) { if (fgets(cpus, sizeof cpus, possible)) cpus[strcspn(cpus, "\n")] = 0; fclose(possible); }
    request(family, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, cpus, strlen(cpus) + 1);

    for (int i = 0; i < count; i++) {
        pid_t child = fork();
        if (child == 0) { execl("/bin/sh", "sh", "-c", argv[2], (char *)0); _exit(127); }
        int status;
        struct rusage usage;
        wait4(child, &status, 0, &usage);
        pids[i] = child;
        truth[i] = usage.ru_utime.tv_sec * 1000000ULL + usage.ru_utime.tv_usec
            + usage.ru_stime.tv_sec * 1000000ULL + usage.ru_stime.tv_usec;
    }
    for (;;) {
        struct pollfd poller = {fd, POLLIN, 0};
        if (poll(&poller, 1, 300) <= 0) break;
        received = recv(fd, buffer, sizeof buffer, 0);
        if (received < 0) { perror("recv (records lost?)"); continue; }
        for (header = (void *)buffer; NLMSG_OK(header, received); header = NLMSG_NEXT(header, received)) {
            if (header->nlmsg_type != family) continue;
            struct nlattr *aggregate = (void *)((char *)NLMSG_DATA(header) + GENL_HDRLEN);
            if (aggregate->nla_type != TASKSTATS_TYPE_AGGR_PID) continue;
            struct nlattr *pid = ATTRIBUTE_DATA(aggregate);
            struct nlattr *stats = (void *)((char *)pid + NLA_ALIGN(pid->nla_len));
            struct taskstats *record = ATTRIBUTE_DATA(stats);
            for (int i = 0; i < count; i++) {
                if (pids[i] != *(pid_t *)ATTRIBUTE_DATA(pid)) continue;
                samples[i] = record->ac_utime + record->ac_stime;
                runtime[i] = record->cpu_run_virtual_total / 1000;
            }
        }
    }
    unsigned long long all_truth = 0, all_samples = 0, all_runtime = 0;
    int missing = 0;
    for (int i = 0; i < count; i++) {
        if (!samples[i] && !runtime[i]) missing++;
        all_truth += truth[i];
        all_samples += samples[i];
        all_runtime += runtime[i];
    }
    printf("runs=%d missing=%d truth_us=%llu samples_us=%llu runtime_us=%llu samples/truth=%.4f runtime/truth=%.4f\n",
           count, missing, all_truth, all_samples, all_runtime, (double)all_samples / all_truth,
           (double)all_runtime / all_truth);
    return 0;
}
