#ifndef C_LINUX_PROC_H
#define C_LINUX_PROC_H

// The kernel interfaces uprocd needs that Swift cannot import as written:
// NLMSG_* macros become prefixed static inline functions, `proc_input`
// (Linux 6.6+, newer than Debian 12's headers) is defined here, and the
// layouts the Swift decoder reads as bytes are pinned by _Static_assert.

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
#include <linux/magic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <malloc.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/vfs.h>

// Flags Glibc declares as enums or macros the importer may not carry through.
static const int CLinuxProc_SFD_FLAGS = SFD_CLOEXEC | SFD_NONBLOCK;
static const int CLinuxProc_TFD_FLAGS = TFD_CLOEXEC | TFD_NONBLOCK;
static const int CLinuxProc_EFD_FLAGS = EFD_CLOEXEC | EFD_NONBLOCK;
static const long CLinuxProc_TMPFS_MAGIC = TMPFS_MAGIC;

// MARK: netlink message helpers

static inline uint32_t CLinuxProc_NLMSG_ALIGN(uint32_t length) {
    return NLMSG_ALIGN(length);
}

static inline uint32_t CLinuxProc_NLMSG_HDRLEN(void) {
    return NLMSG_HDRLEN;
}

static inline uint32_t CLinuxProc_NLMSG_LENGTH(uint32_t payload) {
    return NLMSG_LENGTH(payload);
}

static inline uint32_t CLinuxProc_NLMSG_SPACE(uint32_t payload) {
    return NLMSG_SPACE(payload);
}

// MARK: constants the importer may drop or that older headers lack

static const uint32_t CLinuxProc_NETLINK_CONNECTOR = NETLINK_CONNECTOR;
static const uint32_t CLinuxProc_CN_IDX_PROC = CN_IDX_PROC;
static const uint32_t CLinuxProc_CN_VAL_PROC = CN_VAL_PROC;
static const uint16_t CLinuxProc_NLMSG_NOOP = NLMSG_NOOP;
static const uint16_t CLinuxProc_NLMSG_ERROR = NLMSG_ERROR;
static const uint16_t CLinuxProc_NLMSG_DONE = NLMSG_DONE;
static const uint16_t CLinuxProc_NLMSG_OVERRUN = NLMSG_OVERRUN;

static const uint32_t CLinuxProc_PROC_CN_MCAST_LISTEN = PROC_CN_MCAST_LISTEN;
static const uint32_t CLinuxProc_PROC_CN_MCAST_IGNORE = PROC_CN_MCAST_IGNORE;

// Event-type bits (`enum what`); also the filter bits of `proc_input`.
static const uint32_t CLinuxProc_PROC_EVENT_NONE = 0x00000000u;
static const uint32_t CLinuxProc_PROC_EVENT_FORK = 0x00000001u;
static const uint32_t CLinuxProc_PROC_EVENT_EXEC = 0x00000002u;
static const uint32_t CLinuxProc_PROC_EVENT_UID = 0x00000004u;
static const uint32_t CLinuxProc_PROC_EVENT_GID = 0x00000040u;
static const uint32_t CLinuxProc_PROC_EVENT_SID = 0x00000080u;
static const uint32_t CLinuxProc_PROC_EVENT_PTRACE = 0x00000100u;
static const uint32_t CLinuxProc_PROC_EVENT_COMM = 0x00000200u;
// Filter-only bit (6.6+): report only exits with a non-zero status.
static const uint32_t CLinuxProc_PROC_EVENT_NONZERO_EXIT = 0x20000000u;
static const uint32_t CLinuxProc_PROC_EVENT_COREDUMP = 0x40000000u;
static const uint32_t CLinuxProc_PROC_EVENT_EXIT = 0x80000000u;
static const uint32_t CLinuxProc_PROC_EVENT_ALL = 0x00000001u | 0x00000002u | 0x00000004u | 0x00000040u
    | 0x00000080u | 0x00000100u | 0x00000200u | 0x20000000u | 0x40000000u | 0x80000000u;

// MARK: proc_input (Linux 6.6+)

struct CLinuxProc_proc_input {
    __u32 mcast_op;
    __u32 event_type;
};

// MARK: layouts the decoder reads by offset

static const uint32_t CLinuxProc_NLMSGHDR_SIZE = sizeof(struct nlmsghdr);
static const uint32_t CLinuxProc_CN_MSG_SIZE = sizeof(struct cn_msg);
static const uint32_t CLinuxProc_PROC_EVENT_SIZE = sizeof(struct proc_event);
static const uint32_t CLinuxProc_PROC_EVENT_DATA_OFFSET = offsetof(struct proc_event, event_data);

_Static_assert(sizeof(struct nlmsghdr) == 16, "nlmsghdr layout");
_Static_assert(offsetof(struct nlmsghdr, nlmsg_type) == 4, "nlmsghdr layout");
_Static_assert(sizeof(struct cn_msg) == 20, "cn_msg layout");
_Static_assert(offsetof(struct cn_msg, seq) == 8, "cn_msg layout");
_Static_assert(offsetof(struct cn_msg, ack) == 12, "cn_msg layout");
_Static_assert(offsetof(struct cn_msg, len) == 16, "cn_msg layout");
_Static_assert(offsetof(struct proc_event, cpu) == 4, "proc_event layout");
_Static_assert(offsetof(struct proc_event, timestamp_ns) == 8, "proc_event layout");
_Static_assert(offsetof(struct proc_event, event_data) == 16, "proc_event layout");
_Static_assert(offsetof(struct proc_event, event_data.fork.child_tgid) == 28, "proc_event layout");
_Static_assert(offsetof(struct proc_event, event_data.id.e) == 28, "proc_event layout");
_Static_assert(offsetof(struct proc_event, event_data.comm.comm) == 24, "proc_event layout");
_Static_assert(sizeof(struct proc_event) == 40, "proc_event layout");
_Static_assert(sizeof(struct CLinuxProc_proc_input) == 8, "proc_input layout");

// struct mmsghdr as glibc declares it under _GNU_SOURCE.
struct CLinuxProc_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

/// recvmmsg(2) without a timeout: several datagrams in one system call.
int CLinuxProc_recvmmsg(int fd, struct CLinuxProc_mmsghdr *vector, unsigned int length, int flags);

// malloc.h is not part of the Glibc module Swift imports.
static inline int CLinuxProc_malloc_trim(size_t pad) {
    return malloc_trim(pad);
}

// MARK: pidfd (uproc-kill)

// Raw system calls: glibc 2.36 declares its wrappers in <sys/pidfd.h>, which
// the Glibc module does not import, and syscall(2) is variadic. The numbers
// are the same on every architecture (new system calls share one table).
#include <sys/syscall.h>
#include <unistd.h>
#include <signal.h>
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

/// pidfd_open(2): -1 and errno on failure (ENOSYS before Linux 5.3). The
/// descriptor is always close-on-exec.
static inline int CLinuxProc_pidfd_open(pid_t pid, unsigned int flags) {
    return (int)syscall(__NR_pidfd_open, pid, flags);
}

/// pidfd_send_signal(2) with no siginfo: as kill(2) would send it.
static inline int CLinuxProc_pidfd_send_signal(int pidfd, int signal) {
    return (int)syscall(__NR_pidfd_send_signal, pidfd, signal, NULL, 0u);
}

// SIGRTMIN and SIGRTMAX are glibc function calls behind macros.
static inline int CLinuxProc_sigrtmin(void) { return SIGRTMIN; }
static inline int CLinuxProc_sigrtmax(void) { return SIGRTMAX; }

#endif
