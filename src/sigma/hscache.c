/* hscache.c - compiled Vectorscan literal databases, cached on disk.
 *
 * File layout (little-endian host order; the platform is part of the key):
 *
 *   "TNHSDB04"  u64 key_len  u64 dbs_len  u64 hash(key)  u64 hash(dbs)  key  dbs
 *
 * key is the whole compile input of every database (see key_blob); dbs
 * is, for each database in order, a u64 length and what
 * hs_serialize_database wrote. A file is used only when its key equals
 * ours byte for byte, so a hash collision of file names cannot give a
 * wrong database; the checksums catch damage. They were zlib's CRC-32,
 * ~4 instructions a byte: 40 M of the 460 M of loading the SigmaHQ
 * Windows rules warm (callgrind); then ycache.c's content hash
 * (tn_ykey_of, about half an instruction a byte, but two lanes that wait
 * for each other: ~2 ms on the 8.8 MB of those rules' databases); now
 * tn_hash_bytes, four independent lanes (03 files had the second). */
#include "sigma/hscache.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/hash.h"
#include "base/par.h"
#include "sigma/ycache.h"

#include <dirent.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "TNHSDB04"
#define HEAD (8 + 8 + 8 + 8 + 8)
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
static int key_blob(tn_buf *k, const tn_hslits *sets, unsigned nsets)
{
    hs_platform_info_t plat;
    memset(&plat, 0, sizeof(plat));
    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return -1;
    tn_buf_puts(k, "tansa literal databases 2\n");
    tn_buf_puts(k, hs_version());
    tn_buf_putc(k, '\n');
    tn_buf_put(k, &plat, sizeof(plat));
    tn_buf_put(k, &nsets, sizeof(nsets));
    /* its size first, for one allocation: grown as it was written, it
     * cost 2.5 M instructions of copies for SigmaHQ's Windows rules (a
     * 1.3 MB key, callgrind) */
    size_t need = 0;
    for (unsigned d = 0; d < nsets; d++) {
        need += sizeof(sets[d].n);
        for (unsigned i = 0; i < sets[d].n; i++)
            need += 3 * sizeof(uint32_t) + sets[d].lens[i];
    }
    if (tn_buf_reserve(k, need))
        return -1;
    char *o = k->data + k->len;   /* written straight into the room made */
    for (unsigned d = 0; d < nsets; d++) {
        const tn_hslits *x = &sets[d];
        memcpy(o, &x->n, sizeof(x->n));
        o += sizeof(x->n);
        for (unsigned i = 0; i < x->n; i++) {
            uint32_t h[3] = {x->ids[i], x->flags[i], (uint32_t)x->lens[i]};
            if (x->lens[i] > UINT32_MAX)
                return -1;
            memcpy(o, h, sizeof(h));
            memcpy(o + sizeof(h), x->lits[i], x->lens[i]);
            o += sizeof(h) + x->lens[i];
        }
    }
    k->len = (size_t)(o - k->data);
    *o = '\0';
    return 0;
}

static uint64_t hash64(const char *s, size_t n)
{
    return tn_hash_bytes(0xbb67ae8584caa73bull, s, n);
}

static void free_dbs(hs_database_t **dbs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (dbs[i])
            hs_free_database(dbs[i]);
        dbs[i] = NULL;
    }
}

/* The databases of a load or a compile, made on several threads: each
 * claims the next index until none is left. Deserializing SigmaHQ's 172
 * Windows databases (8.8 MB) took 8-11 ms of a warm load, on one thread
 * while the others waited; compiling them, 1.1-1.4 s. */
typedef struct dbjob {
    hs_database_t **dbs;
    unsigned n;
    const char *const *ser;    /* load: each database's serialized bytes */
    const uint64_t *len;
    char *mem;                 /* load: where the databases go, each at its */
    const size_t *off;         /*   offset (NULL: Vectorscan allocates them) */
    const tn_hslits *sets;     /* compile: each one's literals */
    atomic_uint next;
    atomic_int bad;
} dbjob;

static int db_loop(void *arg, int w)
{
    dbjob *J = arg;
    (void)w;
    for (unsigned i; !atomic_load(&J->bad) && (i = atomic_fetch_add(&J->next, 1)) < J->n;) {
        if (J->ser && J->mem) {
            hs_database_t *db = (hs_database_t *)(void *)(J->mem + J->off[i]);
            if (hs_deserialize_database_at(J->ser[i], (size_t)J->len[i], db) == HS_SUCCESS)
                J->dbs[i] = db;
            else
                J->dbs[i] = NULL, atomic_store(&J->bad, 1);
            continue;
        }
        if (J->ser) {
            if (hs_deserialize_database(J->ser[i], (size_t)J->len[i], &J->dbs[i]) != HS_SUCCESS)
                J->dbs[i] = NULL, atomic_store(&J->bad, 1);
            continue;
        }
        hs_compile_error_t *err = NULL;
        const tn_hslits *x = &J->sets[i];
        if (hs_compile_lit_multi(x->lits, x->flags, x->ids, x->lens, x->n, HS_MODE_BLOCK, NULL,
                                 &J->dbs[i], &err) != HS_SUCCESS) {
            if (err)
                hs_free_compile_error(err);
            J->dbs[i] = NULL;
            atomic_store(&J->bad, 1);
        }
    }
    return 0;
}

/* Runs J on up to threads threads (fewer for few databases); 0, or -1
 * with every database freed when one failed. */
static int db_run(dbjob *J, int threads)
{
    atomic_init(&J->next, 0);
    atomic_init(&J->bad, 0);
    if (threads < 1 || J->n < 2)
        threads = 1;
    if ((unsigned)threads > J->n)
        threads = (int)J->n;
    tn_par_each(threads, db_loop, J);
    if (!atomic_load(&J->bad))
        return 0;
    if (J->mem)   /* theirs is the caller's */
        memset(J->dbs, 0, J->n * sizeof(*J->dbs));
    else
        free_dbs(J->dbs, J->n);
    return -1;
}

/* Where each of the n serialized databases goes in one region (*off, 64
 * bytes apart at least), and the region: the databases of one rule set
 * together, in 2 MiB pages where granted (tn_huge_alloc). Deserialized one
 * by one, SigmaHQ's 172 Windows databases (8.8 MB) took 2,212 page faults
 * of ~2.4 us each, the most of any step of a warm load (perf). NULL when a
 * size cannot be read or memory runs out: they are then deserialized one
 * by one. */
static char *db_region(const char *const *ser, const uint64_t *len, unsigned n, size_t *off,
                       size_t *bytes)
{
    size_t total = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t sz;
        if (hs_serialized_database_size(ser[i], (size_t)len[i], &sz) != HS_SUCCESS || sz > ((size_t)1 << 40))
            return NULL;
        off[i] = total;
        total += (sz + 63) & ~(size_t)63;
    }
    *bytes = total ? total : 1;
    return tn_huge_alloc(bytes);
}

/* Fills dbs[0..n) from the file at path if its key is ours (key_hash:
 * hash64 of it); 0 or -1. */
static int load(const char *path, const tn_buf *key, uint64_t key_hash, hs_database_t **dbs,
                unsigned n, int threads, void **mem, size_t *mem_len)
{
    char *data = NULL;
    size_t len = 0;
    int rc = -1, mapped;
    if (tn_file_map(path, MAX_FILE, &data, &len, &mapped))
        return -1;
    uint64_t klen, dlen, kh, dh;
    const char **ser = tn_malloc((n ? n : 1) * sizeof(*ser));
    uint64_t *slen = tn_malloc((n ? n : 1) * sizeof(*slen));
    if (ser && slen && len >= HEAD && !memcmp(data, MAGIC, 8)) {
        memcpy(&klen, data + 8, 8);
        memcpy(&dlen, data + 16, 8);
        memcpy(&kh, data + 24, 8);
        memcpy(&dh, data + 32, 8);
        const char *k = data + HEAD, *d = k + (klen <= len ? klen : 0);
        /* the file's key is ours byte for byte, so its hash is ours: not
         * computed again (1.3 M instructions, SigmaHQ's Windows rules) */
        if (klen == key->len && dlen == len - HEAD - klen && !memcmp(k, key->data, klen) &&
            kh == key_hash && hash64(d, dlen) == dh) {
            /* where each database's bytes are, then all of them at once */
            rc = 0;
            for (unsigned i = 0; i < n && !rc; i++) {
                uint64_t one;
                if (dlen < 8) {
                    rc = -1;
                    break;
                }
                memcpy(&one, d, 8);
                d += 8, dlen -= 8;
                if (one > dlen) {
                    rc = -1;
                    break;
                }
                ser[i] = d;
                slen[i] = one;
                d += one, dlen -= one;
            }
            if (!rc && dlen)
                rc = -1;
            if (!rc) {
                size_t *off = tn_malloc((n ? n : 1) * sizeof(*off)), bytes = 0;
                char *reg = off ? db_region(ser, slen, n, off, &bytes) : NULL;
                dbjob J = {.dbs = dbs, .n = n, .ser = ser, .len = slen, .mem = reg, .off = off};
                rc = db_run(&J, threads);
                if (!rc && reg) {
                    *mem = reg;
                    *mem_len = bytes;
                } else if (reg) {
                    tn_huge_free(reg, bytes);
                }
                tn_free(off);
            }
        }
    }
    tn_free(ser);
    tn_free(slen);
    tn_file_release(data, len, mapped);
    return rc;
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
static void store(char *dir, const char *path, const tn_buf *key, uint64_t key_hash,
                  hs_database_t *const *dbs, unsigned n)
{
    char tmp[4200];
    tn_buf body = {0};
    if (tn_mkdirs(dir))
        return;
    for (unsigned i = 0; i < n; i++) {
        char *ser = NULL;
        size_t slen = 0;
        if (hs_serialize_database(dbs[i], &ser, &slen) != HS_SUCCESS) {
            tn_buf_free(&body);
            return;
        }
        uint64_t one = slen;
        tn_buf_put(&body, &one, 8);
        tn_buf_put(&body, ser, slen);
        free(ser);   /* allocated by Vectorscan's allocator: malloc */
    }
    if (!tn_buf_ok(&body)) {
        tn_buf_free(&body);
        return;
    }
    char head[HEAD];
    uint64_t klen = key->len, dlen = body.len, kh = key_hash, dh = hash64(body.data, body.len);
    memcpy(head, MAGIC, 8);
    memcpy(head + 8, &klen, 8);
    memcpy(head + 16, &dlen, 8);
    memcpy(head + 24, &kh, 8);
    memcpy(head + 32, &dh, 8);
    int k = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = k > 0 && (size_t)k < sizeof(tmp) ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        int bad = tn_write_all(fd, head, HEAD) || tn_write_all(fd, key->data, key->len) ||
                  tn_write_all(fd, body.data, body.len);
        bad |= close(fd) != 0;
        if (bad || rename(tmp, path))
            unlink(tmp);
        else
            prune(dir);
    }
    tn_buf_free(&body);
}

int tn_hscache_lit_dbs(const tn_hslits *sets, unsigned nsets, hs_database_t **dbs, int *how,
                       int threads, void **mem, size_t *mem_len)
{
    *mem = NULL;
    *mem_len = 0;
    char dir[4096], path[4200];
    tn_buf key = {0};
    unsigned total = 0;
    for (unsigned i = 0; i < nsets; i++) {
        dbs[i] = NULL;
        total += sets[i].n;
    }
    if (how)
        *how = TN_HSDB_COMPILED;
    int cached = total >= MIN_LITS && tn_hscache_dir(dir, sizeof(dir)) && !key_blob(&key, sets, nsets);
    uint64_t kh = 0;
    if (cached) {
        kh = hash64(key.data, key.len);
        int k = snprintf(path, sizeof(path), "%s/lits-%016llx.hsdb", dir, (unsigned long long)kh);
        cached = k > 0 && (size_t)k < sizeof(path);
    }
    if (cached && load(path, &key, kh, dbs, nsets, threads, mem, mem_len) == 0) {
        utimensat(AT_FDCWD, path, NULL, 0);   /* most recently used */
        if (how)
            *how = TN_HSDB_CACHED;
        tn_buf_free(&key);
        return 0;
    }
    dbjob J = {.dbs = dbs, .n = nsets, .sets = sets};
    if (db_run(&J, threads)) {
        tn_buf_free(&key);
        return -1;
    }
    if (cached)
        store(dir, path, &key, kh, dbs, nsets);
    tn_buf_free(&key);
    return 0;
}
