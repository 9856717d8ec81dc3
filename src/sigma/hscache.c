/* hscache.c - compiled Vectorscan literal databases, cached on disk.
 *
 * File layout (little-endian host order; the platform is part of the key):
 *
 *   "TNHSDB01"  u64 key_len  u64 db_len  u32 crc32(key, db)  key  db
 *
 * key is the whole compile input (see key_blob), db what
 * hs_serialize_database wrote. A file is used only when its key equals
 * ours byte for byte, so a hash collision of file names cannot give a
 * wrong database; the checksum catches damage. */
#include "sigma/hscache.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "TNHSDB01"
#define HEAD (8 + 8 + 8 + 4)
#define MAX_FILE ((size_t)1 << 30)
/* Small sets compile in milliseconds: not worth a file each. */
#define MIN_LITS 256
/* Files kept: the most recently used ones (a used file is touched). */
#define KEEP_FILES 8

const char *tn_hscache_dir(char *buf, size_t size)
{
    const char *env = getenv("TANSA_CACHE");
    int n;
    if (env)
        n = (!env[0] || !strcmp(env, "off")) ? -1 : snprintf(buf, size, "%s", env);
    else if ((env = getenv("XDG_CACHE_HOME")) && env[0] == '/')
        n = snprintf(buf, size, "%s/tansa", env);
    else if ((env = getenv("HOME")) && env[0])
        n = snprintf(buf, size, "%s/.cache/tansa", env);
    else
        n = -1;
    return n > 0 && (size_t)n < size ? buf : NULL;
}

/* The compile input, and the library and platform it is compiled for. */
static int key_blob(tn_buf *k, const char *const *lits, const unsigned *flags, const unsigned *ids,
                    const size_t *lens, unsigned n)
{
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof(plat));
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return -1;
    tn_buf_puts(k, "tansa literal database 1\n");
    tn_buf_puts(k, hs_version());
    tn_buf_putc(k, '\n');
    tn_buf_put(k, &plat, sizeof(plat));
    tn_buf_put(k, &n, sizeof(n));
    for (unsigned i = 0; i < n; i++) {
        uint32_t h[3] = {ids[i], flags[i], (uint32_t)lens[i]};
        if (lens[i] > UINT32_MAX)
            return -1;
        tn_buf_put(k, h, sizeof(h));
        tn_buf_put(k, lits[i], lens[i]);
    }
    return tn_buf_ok(k) ? 0 : -1;
}

static uint64_t fnv64(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static uint32_t crc2(const char *a, size_t an, const char *b, size_t bn)
{
    uLong c = crc32_z(0, (const Bytef *)a, an);
    return (uint32_t)crc32_z(c, (const Bytef *)b, bn);
}

static hs_database_t *load(const char *path, const tn_buf *key)
{
    char *data = NULL;
    size_t len = 0;
    hs_database_t *db = NULL;
    if (tn_file_read(path, MAX_FILE, &data, &len))
        return NULL;
    uint64_t klen, dlen;
    uint32_t crc;
    if (len >= HEAD && !memcmp(data, MAGIC, 8)) {
        memcpy(&klen, data + 8, 8);
        memcpy(&dlen, data + 16, 8);
        memcpy(&crc, data + 24, 4);
        const char *k = data + HEAD, *d = k + (klen <= len ? klen : 0);
        if (klen == key->len && dlen == len - HEAD - klen && !memcmp(k, key->data, klen) &&
            crc2(k, klen, d, dlen) == crc &&
            hs_deserialize_database(d, dlen, &db) != HS_SUCCESS)
            db = NULL;
    }
    tn_free(data);
    return db;
}

static int mkdirs(char *dir)
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

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Removes all but the KEEP_FILES most recently used cache files. */
static void prune(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct { char name[64]; struct timespec t; } f[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < sizeof(f) / sizeof(f[0])) {
        size_t len = strlen(e->d_name);
        struct stat st;
        if (strncmp(e->d_name, "lits-", 5) || len < 6 || len >= sizeof(f[0].name) ||
            strcmp(e->d_name + len - 5, ".hsdb") || fstatat(dirfd(d), e->d_name, &st, 0))
            continue;
        memcpy(f[n].name, e->d_name, len + 1);
        f[n++].t = st.st_mtim;
    }
    while (n > KEEP_FILES) {   /* drop the oldest, one at a time (n is small) */
        size_t old = 0;
        for (size_t i = 1; i < n; i++)
            if (f[i].t.tv_sec < f[old].t.tv_sec ||
                (f[i].t.tv_sec == f[old].t.tv_sec && f[i].t.tv_nsec < f[old].t.tv_nsec))
                old = i;
        unlinkat(dirfd(d), f[old].name, 0);
        f[old] = f[--n];
    }
    closedir(d);
}

/* Written to a temporary name and renamed, so that a reader never sees a
 * half-written file, and concurrent runs at worst both compile. */
static void store(char *dir, const char *path, const tn_buf *key, const hs_database_t *db)
{
    char *ser = NULL, tmp[4200];
    size_t slen = 0;
    if (mkdirs(dir) || hs_serialize_database(db, &ser, &slen) != HS_SUCCESS)
        return;
    char head[HEAD];
    uint64_t klen = key->len, dlen = slen;
    uint32_t crc = crc2(key->data, key->len, ser, slen);
    memcpy(head, MAGIC, 8);
    memcpy(head + 8, &klen, 8);
    memcpy(head + 16, &dlen, 8);
    memcpy(head + 24, &crc, 4);
    int n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = n > 0 && (size_t)n < sizeof(tmp) ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        int bad = write_all(fd, head, HEAD) || write_all(fd, key->data, key->len) ||
                  write_all(fd, ser, slen);
        bad |= close(fd) != 0;
        if (bad || rename(tmp, path))
            unlink(tmp);
        else
            prune(dir);
    }
    free(ser);   /* allocated by Vectorscan's allocator: malloc */
}

int tn_hscache_lit_db(const char *const *lits, const unsigned *flags, const unsigned *ids,
                      const size_t *lens, unsigned n, hs_database_t **db, int *how)
{
    char dir[4096], path[4200];
    tn_buf key = {0};
    *db = NULL;
    if (how)
        *how = TN_HSDB_COMPILED;
    int cached = n >= MIN_LITS && tn_hscache_dir(dir, sizeof(dir)) &&
                 !key_blob(&key, lits, flags, ids, lens, n);
    if (cached) {
        int k = snprintf(path, sizeof(path), "%s/lits-%016llx.hsdb", dir,
                         (unsigned long long)fnv64(key.data, key.len));
        cached = k > 0 && (size_t)k < sizeof(path);
    }
    if (cached && (*db = load(path, &key)) != NULL) {
        utimensat(AT_FDCWD, path, NULL, 0);   /* most recently used */
        if (how)
            *how = TN_HSDB_CACHED;
        tn_buf_free(&key);
        return 0;
    }
    hs_compile_error_t *err = NULL;
    if (hs_compile_lit_multi(lits, flags, ids, lens, n, HS_MODE_BLOCK, NULL, db, &err) != HS_SUCCESS) {
        if (err)
            hs_free_compile_error(err);
        *db = NULL;
        tn_buf_free(&key);
        return -1;
    }
    if (cached)
        store(dir, path, &key, *db);
    tn_buf_free(&key);
    return 0;
}
