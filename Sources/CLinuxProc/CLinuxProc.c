// Most of CLinuxProc is static inline in the header. recvmmsg and struct
// mmsghdr need _GNU_SOURCE, which Swift's Glibc module is built without, so
// the header mirrors the struct and this file (built with _GNU_SOURCE)
// forwards the call; dl_iterate_phdr's callback lives here too.
#include "CLinuxProc.h"
#include <fcntl.h>
#include <errno.h>
#include <sys/socket.h>

_Static_assert(CLinuxProc_O_PATH == O_PATH, "O_PATH");

_Static_assert(sizeof(struct CLinuxProc_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(offsetof(struct CLinuxProc_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "mmsghdr layout");

int CLinuxProc_recvmmsg(int fd, struct CLinuxProc_mmsghdr *vector, unsigned int length, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)vector, length, flags, NULL);
}

#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>

struct released {
    int pagemap;  // /proc/self/pagemap
    uintptr_t page;
    long bytes;
    int error;
};

static void advise(struct released *result, uintptr_t start, uintptr_t end) {
    if (start >= end || result->error != 0) return;
    if (madvise((void *)start, end - start, MADV_DONTNEED) != 0) {
        result->error = errno;
        return;
    }
    result->bytes += (long)(end - start);
}

// Advises [start, end) but for the pages that are private copies (a
// debugger's breakpoint, a uprobe): those would fall back to the file's
// bytes. /proc/self/pagemap bit 61 is "file page", 62 "swapped", 63 "present".
static void advise_unwritten(struct released *result, uintptr_t start, uintptr_t end) {
    uint64_t entries[512];
    uintptr_t run = start;
    for (uintptr_t address = start; address < end && result->error == 0;) {
        size_t count = (end - address) / result->page;
        if (count > 512) count = 512;
        ssize_t got = pread(result->pagemap, entries, count * sizeof entries[0], (off_t)(address / result->page * sizeof entries[0]));
        if (got <= 0) {
            result->error = got < 0 ? errno : EIO;
            return;
        }
        for (size_t i = 0; i < (size_t)got / sizeof entries[0]; i++, address += result->page) {
            int present = (entries[i] >> 63) & 1, swapped = (entries[i] >> 62) & 1, file = (entries[i] >> 61) & 1;
            if ((present && !file) || swapped) {
                advise(result, run, address);
                run = address + result->page;
            }
        }
    }
    advise(result, run, end);
}

// The first object dl_iterate_phdr reports is the main executable.
static int release_main_executable(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct released *result = data;
    const uintptr_t page = result->page;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *segment = &info->dlpi_phdr[i];
        if (segment->p_type != PT_LOAD || (segment->p_flags & PF_W)) continue;
        uintptr_t start = (info->dlpi_addr + segment->p_vaddr) & ~(page - 1);
        uintptr_t end = (info->dlpi_addr + segment->p_vaddr + segment->p_memsz + page - 1) & ~(page - 1);
        // Never a page a writable segment (data, RELRO) shares.
        for (int j = 0; j < info->dlpi_phnum; j++) {
            const ElfW(Phdr) *other = &info->dlpi_phdr[j];
            if (other->p_type != PT_LOAD || !(other->p_flags & PF_W)) continue;
            uintptr_t otherStart = (info->dlpi_addr + other->p_vaddr) & ~(page - 1);
            uintptr_t otherEnd = (info->dlpi_addr + other->p_vaddr + other->p_memsz + page - 1) & ~(page - 1);
            if (otherStart < end && start < otherEnd) {
                if (otherStart <= start) start = otherEnd; else end = otherStart;
            }
        }
        advise_unwritten(result, start, end);
    }
    return 1;
}

long CLinuxProc_release_executable_pages(void) {
    struct released result = {-1, (uintptr_t)sysconf(_SC_PAGESIZE), 0, 0};
    result.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (result.pagemap < 0) return -1;
    dl_iterate_phdr(release_main_executable, &result);
    close(result.pagemap);
    if (result.error != 0) {
        errno = result.error;
        return -1;
    }
    return result.bytes;
}

#include <string.h>
#include <sys/un.h>

int CLinuxProc_unix_address(struct sockaddr_un *address, const unsigned char *name, unsigned long length, int terminated) {
    struct sockaddr_un local;
    memset(&local, 0, sizeof local);
    local.sun_family = AF_UNIX;
    if (length + (terminated ? 1 : 0) > sizeof local.sun_path || (terminated && name[length] != 0)) {
        errno = EINVAL;
        return -1;
    }
    // Copies checked against sun_path's size (_FORTIFY_SOURCE): a path
    // through the fortified strcpy, an abstract name (a leading NUL, bytes
    // of any value) through the fortified memcpy.
    if (terminated) {
        strcpy(local.sun_path, (const char *)name);
    } else {
        memcpy(local.sun_path, name, length);
    }
    *address = local;
    return (int)(offsetof(struct sockaddr_un, sun_path) + length + (terminated ? 1 : 0));
}
