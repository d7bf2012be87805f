#ifndef C_LINUX_PROC_H
#define C_LINUX_PROC_H

// What uproc's Swift code needs from Linux and Glibc that Swift cannot import
// as written: flag values, recvmmsg and struct mmsghdr (they need
// _GNU_SOURCE), malloc_trim. The proc connector's numbers and layouts are
// defined once in Swift (Sources/UprocEvents/KernelABI.swift); the
// _Static_asserts below pin the kernel's headers to them.

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
// O_PATH needs _GNU_SOURCE: its value, checked in CLinuxProc.c.
static const int CLinuxProc_O_PATH = 010000000;

// MARK: the proc connector's ABI (mirrors KernelABI.swift)

_Static_assert(NETLINK_CONNECTOR == 11, "KernelABI.netlinkConnector");
_Static_assert(NLMSG_DONE == 3, "KernelABI.nlmsgDone");
_Static_assert(NLMSG_MIN_TYPE == 0x10, "KernelABI.nlmsgMinType");
_Static_assert(NLMSG_ALIGNTO == 4, "KernelABI.nlmsgAlignment");
_Static_assert(NLMSG_HDRLEN == 16, "KernelABI.nlmsghdrSize");
_Static_assert(sizeof(struct nlmsghdr) == 16, "KernelABI.nlmsghdrSize");
_Static_assert(offsetof(struct nlmsghdr, nlmsg_len) == 0, "KernelABI.nlmsgLengthOffset");
_Static_assert(offsetof(struct nlmsghdr, nlmsg_type) == 4, "KernelABI.nlmsgTypeOffset");
_Static_assert(offsetof(struct nlmsghdr, nlmsg_pid) == 12, "KernelABI.nlmsgPortOffset");

_Static_assert(CN_IDX_PROC == 1, "KernelABI.cnIdxProc");
_Static_assert(CN_VAL_PROC == 1, "KernelABI.cnValProc");
_Static_assert(sizeof(struct cn_msg) == 20, "KernelABI.cnMsgSize");
_Static_assert(offsetof(struct cn_msg, id.idx) == 0, "KernelABI.cnIndexOffset");
_Static_assert(offsetof(struct cn_msg, id.val) == 4, "KernelABI.cnValueOffset");
_Static_assert(offsetof(struct cn_msg, seq) == 8, "KernelABI.cnSequenceOffset");
_Static_assert(offsetof(struct cn_msg, ack) == 12, "KernelABI.cnAcknowledgementOffset");
_Static_assert(offsetof(struct cn_msg, len) == 16, "KernelABI.cnLengthOffset");

_Static_assert(PROC_CN_MCAST_LISTEN == 1, "KernelABI.procCnMcastListen");
_Static_assert(PROC_CN_MCAST_IGNORE == 2, "KernelABI.procCnMcastIgnore");
// `enum what` (PROC_EVENT_NONZERO_EXIT and struct proc_input are 6.6+, newer
// than Debian 12's headers: KernelABI carries them unpinned).
_Static_assert(PROC_EVENT_NONE == 0x00000000, "KernelABI.What.none");
_Static_assert(PROC_EVENT_FORK == 0x00000001, "KernelABI.What.fork");
_Static_assert(PROC_EVENT_EXEC == 0x00000002, "KernelABI.What.exec");
_Static_assert(PROC_EVENT_UID == 0x00000004, "KernelABI.What.uid");
_Static_assert(PROC_EVENT_GID == 0x00000040, "KernelABI.What.gid");
_Static_assert(PROC_EVENT_SID == 0x00000080, "KernelABI.What.sid");
_Static_assert(PROC_EVENT_PTRACE == 0x00000100, "KernelABI.What.ptrace");
_Static_assert(PROC_EVENT_COMM == 0x00000200, "KernelABI.What.comm");
_Static_assert(PROC_EVENT_COREDUMP == 0x40000000, "KernelABI.What.coredump");
_Static_assert((unsigned)PROC_EVENT_EXIT == 0x80000000u, "KernelABI.What.exit");

_Static_assert(sizeof(struct proc_event) == 40, "KernelABI.procEventSize");
_Static_assert(offsetof(struct proc_event, what) == 0, "KernelABI.eventWhatOffset");
_Static_assert(offsetof(struct proc_event, timestamp_ns) == 8, "KernelABI.eventTimestampOffset");
_Static_assert(offsetof(struct proc_event, event_data) == 16, "KernelABI.eventDataOffset");
_Static_assert(offsetof(struct proc_event, event_data.ack.err) == 16, "ack {err}");
_Static_assert(offsetof(struct proc_event, event_data.fork.child_tgid) == 16 + 12, "fork {ppid, ptgid, pid, tgid}");
_Static_assert(offsetof(struct proc_event, event_data.exec.process_tgid) == 16 + 4, "exec {pid, tgid}");
_Static_assert(offsetof(struct proc_event, event_data.id.e) == 16 + 12, "id {pid, tgid, r, e}");
_Static_assert(offsetof(struct proc_event, event_data.comm.comm) == 16 + 8, "KernelABI.commOffset");
_Static_assert(sizeof(((struct proc_event *)0)->event_data.comm.comm) == 16, "KernelABI.commLength");
_Static_assert(offsetof(struct proc_event, event_data.exit.process_tgid) == 16 + 4, "exit {pid, tgid}");

// MARK: recvmmsg

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

/// madvise(MADV_DONTNEED) over the pages of the main executable's loaded
/// segments that are never written (code, read-only data; not the RELRO
/// part, which the dynamic linker wrote), but for pages the process holds a
/// private copy of (a breakpoint): the process stops mapping them, and each
/// comes back from the page cache at its next use. Returns the bytes
/// advised, or -1 and errno. dl_iterate_phdr (link.h) is not part of the
/// Glibc module.
long CLinuxProc_release_executable_pages(void);

// MARK: AF_UNIX addresses

/// Fills `address` with the AF_UNIX address of `name` (`length` bytes; an
/// abstract name is written with its leading NUL already in `name`; a path,
/// `terminated`, has its NUL at `name[length]`) and returns the length that
/// names exactly it, or -1 (EINVAL) when it does not fit `sun_path`. The
/// copy is bounds-checked (_FORTIFY_SOURCE): a length the caller got wrong
/// stops the process instead of writing past `sun_path`.
struct sockaddr_un;
int CLinuxProc_unix_address(struct sockaddr_un *address, const unsigned char *name, unsigned long length, int terminated);


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

// PIDFD_GET_INFO (Linux 6.13): the credentials of the very process a pidfd
// holds, without /proc. Debian 12's <linux/pidfd.h> predates it: mirrored
// from the kernel's include/uapi/linux/pidfd.h. The struct is extensible
// (the kernel copies min(its size, ours), the size is in the ioctl number):
// this is its first published version, PIDFD_INFO_SIZE_VER0, all we read.
#include <sys/ioctl.h>

struct CLinuxProc_pidfd_info {
    uint64_t mask;  // in: what we ask for; out: what the kernel filled
    uint64_t cgroupid;
    uint32_t pid;
    uint32_t tgid;
    uint32_t ppid;
    uint32_t ruid;
    uint32_t rgid;
    uint32_t euid;
    uint32_t egid;
    uint32_t suid;
    uint32_t sgid;
    uint32_t fsuid;
    uint32_t fsgid;
    int32_t exit_code;
};
_Static_assert(sizeof(struct CLinuxProc_pidfd_info) == 64, "PIDFD_INFO_SIZE_VER0");
_Static_assert(offsetof(struct CLinuxProc_pidfd_info, cgroupid) == 8, "pidfd_info.cgroupid");
_Static_assert(offsetof(struct CLinuxProc_pidfd_info, pid) == 16, "pidfd_info.pid");
_Static_assert(offsetof(struct CLinuxProc_pidfd_info, ruid) == 28, "pidfd_info.ruid");
_Static_assert(offsetof(struct CLinuxProc_pidfd_info, rgid) == 32, "pidfd_info.rgid");
_Static_assert(offsetof(struct CLinuxProc_pidfd_info, euid) == 36, "pidfd_info.euid");
_Static_assert(offsetof(struct CLinuxProc_pidfd_info, egid) == 40, "pidfd_info.egid");
_Static_assert(offsetof(struct CLinuxProc_pidfd_info, exit_code) == 60, "pidfd_info.exit_code");

static const uint64_t CLinuxProc_PIDFD_INFO_CREDS = 1u << 1;
#define CLinuxProc_PIDFS_IOCTL_MAGIC 0xFF
static const unsigned long CLinuxProc_PIDFD_GET_INFO =
    _IOWR(CLinuxProc_PIDFS_IOCTL_MAGIC, 11, struct CLinuxProc_pidfd_info);
_Static_assert(_IOC_TYPE(_IOWR(CLinuxProc_PIDFS_IOCTL_MAGIC, 11, struct CLinuxProc_pidfd_info)) == 0xFF, "PIDFS_IOCTL_MAGIC");
_Static_assert(_IOC_NR(_IOWR(CLinuxProc_PIDFS_IOCTL_MAGIC, 11, struct CLinuxProc_pidfd_info)) == 11, "PIDFD_GET_INFO nr");
_Static_assert(_IOC_SIZE(_IOWR(CLinuxProc_PIDFS_IOCTL_MAGIC, 11, struct CLinuxProc_pidfd_info)) == 64, "PIDFD_GET_INFO size");
#if defined(__x86_64__) || defined(__aarch64__)
_Static_assert(_IOWR(CLinuxProc_PIDFS_IOCTL_MAGIC, 11, struct CLinuxProc_pidfd_info) == 0xC040FF0Bu, "PIDFD_GET_INFO as strace shows it");
#endif

/// ioctl(pidfd, PIDFD_GET_INFO, info): 0, or -1 and errno (ESRCH: the
/// process has been reaped; ENOTTY, or EINVAL on 6.11/6.12: a kernel before
/// 6.13). ioctl(2) is variadic, which Swift cannot call.
static inline int CLinuxProc_pidfd_get_info(int pidfd, struct CLinuxProc_pidfd_info *info) {
    return ioctl(pidfd, CLinuxProc_PIDFD_GET_INFO, info);
}

// SIGRTMIN and SIGRTMAX are glibc function calls behind macros.
static inline int CLinuxProc_sigrtmin(void) { return SIGRTMIN; }
static inline int CLinuxProc_sigrtmax(void) { return SIGRTMAX; }

// MARK: - taskstats and the terminal (accounting, uproc-top)
//
// Generic netlink and the taskstats family's numbers and the offsets of
// the fields of `struct taskstats` uproc reads are defined once in Swift
// (Sources/UprocEvents/TaskStatsABI.swift); these pin the kernel's headers
// to them. The struct only grows at its end: Debian 12's header is
// version 13, Linux 6.18 sends version 16, and every field read here is
// in both.

#include <linux/genetlink.h>
#include <linux/taskstats.h>
#include <linux/acct.h>
#include <linux/capability.h>
#include <termios.h>

// The proc connector's EXIT {pid, tgid, exit_code, exit_signal, ...}.
_Static_assert(offsetof(struct proc_event, event_data.exit.exit_code) == 16 + 8, "KernelABI.exitCodeOffset");
_Static_assert(offsetof(struct proc_event, event_data.exit.exit_signal) == 16 + 12, "KernelABI.exitSignalOffset");

_Static_assert(NETLINK_GENERIC == 16, "TaskStatsABI.netlinkGeneric");
_Static_assert(NLMSG_ERROR == 2, "TaskStatsABI.nlmsgError");
_Static_assert(NLM_F_REQUEST == 0x1, "TaskStatsABI.flagRequest");
_Static_assert(NLM_F_ACK == 0x4, "TaskStatsABI.flagAcknowledge");
_Static_assert(offsetof(struct nlmsghdr, nlmsg_flags) == 6, "TaskStatsABI.nlmsgFlagsOffset");
_Static_assert(offsetof(struct nlmsghdr, nlmsg_seq) == 8, "TaskStatsABI.nlmsgSequenceOffset");
_Static_assert(sizeof(struct nlmsgerr) == 20, "TaskStatsABI.errorSize");
_Static_assert(offsetof(struct nlmsgerr, msg) == 4, "nlmsgerr {error, msg}");
_Static_assert(NLA_HDRLEN == 4, "TaskStatsABI.attributeHeaderSize");
_Static_assert(NLA_ALIGNTO == 4, "TaskStatsABI.attributeAlignment");
_Static_assert((unsigned short)NLA_TYPE_MASK == 0x3FFF, "TaskStatsABI.attributeTypeMask");
_Static_assert(GENL_HDRLEN == 4, "TaskStatsABI.genericHeaderSize");
_Static_assert(GENL_ID_CTRL == 0x10, "TaskStatsABI.controllerID");
_Static_assert(CTRL_CMD_GETFAMILY == 3, "TaskStatsABI.controllerGetFamily");
_Static_assert(CTRL_CMD_NEWFAMILY == 1, "TaskStatsABI.controllerNewFamily");
_Static_assert(CTRL_ATTR_FAMILY_ID == 1, "TaskStatsABI.controllerFamilyID");
_Static_assert(CTRL_ATTR_FAMILY_NAME == 2, "TaskStatsABI.controllerFamilyName");

_Static_assert(TASKSTATS_GENL_VERSION == 1, "TaskStatsABI.familyVersion");
_Static_assert(TASKSTATS_CMD_GET == 1, "TaskStatsABI.commandGet");
_Static_assert(TASKSTATS_CMD_NEW == 2, "TaskStatsABI.commandNew");
_Static_assert(TASKSTATS_TYPE_PID == 1, "TaskStatsABI.typePID");
_Static_assert(TASKSTATS_TYPE_TGID == 2, "TaskStatsABI.typeTGID");
_Static_assert(TASKSTATS_TYPE_STATS == 3, "TaskStatsABI.typeStats");
_Static_assert(TASKSTATS_TYPE_AGGR_PID == 4, "TaskStatsABI.typeAggregatePID");
_Static_assert(TASKSTATS_TYPE_AGGR_TGID == 5, "TaskStatsABI.typeAggregateTGID");
_Static_assert(TASKSTATS_CMD_ATTR_REGISTER_CPUMASK == 3, "TaskStatsABI.registerCPUMask");
_Static_assert(TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK == 4, "TaskStatsABI.deregisterCPUMask");
_Static_assert(TASKSTATS_VERSION >= 11, "ac_tgid and AGROUP (TaskStatsABI.groupVersion)");
_Static_assert(AGROUP == 0x20, "TaskStatsABI.flagGroupEnded");
_Static_assert(TS_COMM_LEN == 32, "TaskStatsABI.Stats.commLength");

_Static_assert(offsetof(struct taskstats, version) == 0, "TaskStatsABI.Stats.version");
_Static_assert(offsetof(struct taskstats, ac_exitcode) == 4, "TaskStatsABI.Stats.exitCode");
_Static_assert(offsetof(struct taskstats, ac_flag) == 8, "TaskStatsABI.Stats.flag");
_Static_assert(offsetof(struct taskstats, cpu_run_virtual_total) == 72, "TaskStatsABI.Stats.runtime");
_Static_assert(offsetof(struct taskstats, ac_comm) == 80, "TaskStatsABI.Stats.comm");
_Static_assert(offsetof(struct taskstats, ac_uid) == 120, "TaskStatsABI.Stats.uid");
_Static_assert(offsetof(struct taskstats, ac_gid) == 124, "TaskStatsABI.Stats.gid");
_Static_assert(offsetof(struct taskstats, ac_pid) == 128, "TaskStatsABI.Stats.pid");
_Static_assert(offsetof(struct taskstats, ac_ppid) == 132, "TaskStatsABI.Stats.parentPID");
_Static_assert(offsetof(struct taskstats, ac_btime) == 136, "TaskStatsABI.Stats.beginSeconds");
_Static_assert(offsetof(struct taskstats, ac_etime) == 144, "TaskStatsABI.Stats.elapsed");
_Static_assert(offsetof(struct taskstats, ac_utime) == 152, "TaskStatsABI.Stats.userTime");
_Static_assert(offsetof(struct taskstats, ac_stime) == 160, "TaskStatsABI.Stats.systemTime");
_Static_assert(offsetof(struct taskstats, hiwater_rss) == 200, "TaskStatsABI.Stats.highWaterRSS");
_Static_assert(offsetof(struct taskstats, read_bytes) == 248, "TaskStatsABI.Stats.readBytes");
_Static_assert(offsetof(struct taskstats, write_bytes) == 256, "TaskStatsABI.Stats.writeBytes");
_Static_assert(offsetof(struct taskstats, ac_btime64) == 344, "TaskStatsABI.Stats.beginSeconds64");
_Static_assert(offsetof(struct taskstats, ac_tgid) == 368, "TaskStatsABI.Stats.tgid");

/// The terminal's size (TIOCGWINSZ; ioctl is variadic): 0, or -1 and errno
/// (ENOTTY when `fd` is no terminal).
static inline int CLinuxProc_terminal_size(int fd, unsigned short *rows, unsigned short *columns) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    *rows = size.ws_row;
    *columns = size.ws_col;
    return 0;
}

/// Clears `capability` from the calling thread's effective set (capget and
/// capset act on one thread; glibc has no wrapper). Tests use it to run one
/// thread without a privilege the rest of the process keeps. 0, or -1 and errno.
static inline int CLinuxProc_drop_effective_capability(int capability) {
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    if (syscall(__NR_capget, &header, data) != 0) return -1;
    data[capability / 32].effective &= ~(1u << (capability % 32));
    return (int)syscall(__NR_capset, &header, data);
}

#endif
