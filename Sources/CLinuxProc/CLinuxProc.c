// Most of CLinuxProc is static inline in the header. recvmmsg and struct
// mmsghdr need _GNU_SOURCE, which Swift's Glibc module is built without, so
// the header mirrors the struct and this file (built with _GNU_SOURCE)
// forwards the call.
#include "CLinuxProc.h"
#include <fcntl.h>
#include <sys/socket.h>

_Static_assert(CLinuxProc_O_PATH == O_PATH, "O_PATH");

_Static_assert(sizeof(struct CLinuxProc_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(struct CLinuxProc_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");

int CLinuxProc_recvmmsg(int fd, struct CLinuxProc_mmsghdr *vector, unsigned int length, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)vector, length, flags, NULL);
}
