/* file.c - whole-file reads with a size cap, whole writes, folders. */
#include "file.h"

#include "base/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int tn_file_read(const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    /* sized from the file's length when it has one: growing by doubling
     * cost 3.8 M instructions of copies for the caches of the SigmaHQ
     * Windows rules (9.7 MB and 4.3 MB, callgrind); one byte more so that
     * the read ends short of the buffer, as at the end of any file */
    size_t cap = 16384, n = 0;
    struct stat st;
    if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uint64_t)st.st_size < max)
        cap = (size_t)st.st_size + 1;
    char *b = tn_malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *nb = cap < max ? tn_realloc(b, cap * 2) : NULL;
        if (!nb) {
            tn_free(b);
            b = NULL;
            errno = cap < max ? ENOMEM : EFBIG;
            break;
        }
        b = nb;
        cap *= 2;
    }
    int e = ferror(f);
    fclose(f);
    if (!b || e) {
        tn_free(b);
        return -1;
    }
    *out = b;
    *len = n;
    return 0;
}

int tn_file_map(const char *path, size_t max, char **out, size_t *len, int *mapped)
{
    *mapped = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size < max) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            close(fd);
            *out = p;
            *len = (size_t)st.st_size;
            *mapped = 1;
            return 0;
        }
    }
    close(fd);
    return tn_file_read(path, max, out, len);
}

void tn_file_release(char *p, size_t len, int mapped)
{
    if (mapped)
        munmap(p, len);
    else
        tn_free(p);
}

int tn_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = {.fd = fd, .events = POLLOUT};
            if (poll(&pf, 1, -1) < 0 && errno != EINTR)
                return -1;
        } else {
            if (k == 0)
                errno = EIO; /* write(2) took nothing of a non-empty buffer */
            return -1;
        }
    }
    return 0;
}

int tn_pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
    const char *p = buf;
    while (n) {
        ssize_t k = pwrite(fd, p, n, (off_t)off);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
            off += (uint64_t)k;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else {
            if (k == 0)
                errno = EIO;
            return -1;
        }
    }
    return 0;
}

int tn_mkdirs(char *dir)
{
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        int rc = mkdir(dir, 0700);
        *p = '/';
        if (rc && errno != EEXIST)
            return -1;
    }
    return mkdir(dir, 0700) && errno != EEXIST ? -1 : 0;
}

const char *tn_temp_dir(void)
{
    const char *d = getenv("TMPDIR");
    return d && *d ? d : "/tmp";
}

int tn_temp_fd(void)
{
    const char *dir = tn_temp_dir();
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
    char path[4096];
    if ((size_t)snprintf(path, sizeof(path), "%s/tansa-XXXXXX", dir) >= sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

FILE *tn_temp_file(void)
{
    int fd = tn_temp_fd();
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}
