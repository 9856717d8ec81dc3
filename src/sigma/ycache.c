/* ycache.c - parsed YAML trees of rule files, cached on disk (ycache.h).
 *
 * File layout (host byte order; the platform is in the cache folder's
 * hands, as for hscache.c):
 *
 *   "TNYTREE2"  u64 check  u32 TN_YAML_TREES  u32 libyaml version
 *   u32 n  u32 0  u64 data_len  index  data
 *
 * check is tn_ycache_check of everything after it up
 * to the end of index. index is n entries of 48 bytes, sorted by key: u64
 * h0, h1, len (the content key), u64 offset and u32 size (then u32 0) of
 * the entry's bytes in data, u64 hash of those bytes (checked when the
 * entry is used). data holds the entries most recently used first.
 *
 * An entry is varints: ndocs, nnodes, strbytes (the sum of len + 1 over
 * scalars), then each document's root in preorder: a tag byte (0 scalar,
 * 4 plain scalar, 1 sequence, 2 mapping), line, col, then for a scalar
 * len and its bytes, for a collection count and its items (a mapping's:
 * key, value, key, value...). Varints are canonical, and the counts in
 * front must be exact, so an entry that decodes is the one encoding of
 * its trees (the fuzz target checks this). */
#include "sigma/ycache.h"

#include "base/alloc.h"
#include "base/file.h"
#include "base/hash.h"
#include "sigma/hscache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#define MAGIC "TNYTREE2"   /* 1: checksums were tn_ykey_of's */
#define HEAD 40
#define ENT 48
#define MAX_FILE ((size_t)256 << 20)
/* What a rewrite keeps: this load's entries, then older ones up to this
 * (SigmaHQ's 3,780 rule files take 5.3 MB, its 2,872 Windows ones 4.2). */
#define KEEP_BYTES ((uint64_t)64 << 20)
/* As the parser (yaml.c): 64 nested collections, so depth 64 for the
 * innermost scalar (the root is depth 0). Deeper trees come from aliases. */
#define MAX_DEPTH 64
/* The file index (ycache.h): beside the trees, its own header and records */
#define FILES_SUFFIX ".files"
#define FMAGIC "TNYFILE2"
#define FHEAD 24
#define FREC 64
#define MAX_FRECS ((size_t)1 << 18)   /* 16 MiB of records */
#define RACY_NS 2000000000ull         /* a file changed this recently is not recorded */

/* ---- content key ---- */

/* A 128-bit hash of two 64-bit lanes. Each 16-byte block updates lane a
 * from its first word and lane b from its second word and the new a,
 * each step invertible in its word (odd multiplier, rotation, xor), so
 * two texts of one length that differ in a single block always differ
 * after it. The multipliers are hexadecimal digits of pi, made odd. */
#define K0 0x243f6a8885a308d3ull
#define K1 0x13198a2e03707345ull
#define K2 0xa4093822299f31d1ull
#define K3 0x082efa98ec4e6c89ull
#define K4 0x452821e638d01377ull
#define K5 0xbe5466cf34e90c6dull

static inline uint64_t rotl(uint64_t x, int r)
{
    return x << r | x >> (64 - r);
}

static inline uint64_t rd64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void block(uint64_t *a, uint64_t *b, const unsigned char *p)
{
    *a = rotl(*a ^ rd64(p) * K2, 31) * K3 + *b;
    *b = rotl(*b ^ rd64(p + 8) * K4, 27) * K5 + *a;
}

/* Spreads every bit of x over all 64 (xor-shift and multiply rounds). */
static uint64_t avalanche(uint64_t x)
{
    x ^= x >> 31;
    x *= K3;
    x ^= x >> 29;
    x *= K5;
    return x ^ (x >> 32);
}

void tn_ykey_of(const char *text, size_t len, tn_ykey *k)
{
    const unsigned char *p = (const unsigned char *)text;
    uint64_t a = K0 ^ len, b = K1 + rotl(len, 32);
    size_t i = 0;
    for (; i + 16 <= len; i += 16)
        block(&a, &b, p + i);
    unsigned char tail[16] = {0};   /* the length tells padding from zeros */
    if (len > i)
        memcpy(tail, p + i, len - i);
    block(&a, &b, tail);
    uint64_t x = avalanche(a ^ K4), y = avalanche(b ^ K0);
    k->h[0] = avalanche(x + rotl(y, 21));
    k->h[1] = avalanche(y ^ rotl(x, 43) ^ K2);
    k->len = len;
}

/* The checksum of the file's index and of each entry. It was the content
 * key's hash (tn_ykey_of), two lanes that wait for each other: verifying
 * the 4.2 MB of the Windows rules' entries on every load took ~2 ms;
 * tn_hash_bytes takes four independent lanes (base/hash.h). A checksum
 * only has to see damage, not keep keys apart. */
uint64_t tn_ycache_check(const void *p, size_t n)
{
    return tn_hash_bytes(0x6a09e667f3bcc909ull, p, n);
}


static int key_cmp(const tn_ykey *x, const tn_ykey *y)
{
    if (x->h[0] != y->h[0])
        return x->h[0] < y->h[0] ? -1 : 1;
    if (x->h[1] != y->h[1])
        return x->h[1] < y->h[1] ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* ---- one entry: the trees of a file ---- */

/* Writes v at p (room for 10 bytes); returns the end. */
static inline unsigned char *var_at(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

static void put_var(tn_buf *b, uint64_t v)
{
    unsigned char t[10];
    tn_buf_put(b, t, (size_t)(var_at(t, v) - t));
}

/* A node's tag byte and three varints, in one append (the encoding was
 * 58 M instructions for the Windows rules with an append per field). */
static void put_head(tn_buf *b, unsigned tag, uint64_t x, uint64_t y, uint64_t z)
{
    if (tn_buf_reserve(b, 31))
        return;
    unsigned char *p = (unsigned char *)b->data + b->len, *q = p;
    *q++ = (unsigned char)tag;
    q = var_at(var_at(var_at(q, x), y), z);
    b->len += (size_t)(q - p);
    b->data[b->len] = 0;
}

typedef struct enc {
    tn_buf *b;
    uint64_t nodes, max_nodes, strbytes;
    size_t start, max_bytes;
} enc;

static int enc_node(enc *e, const tn_ynode *n, int depth);

/* A collection's items: count of them, a mapping's keys with values. */
static int enc_items(enc *e, const tn_ynode *n, int depth)
{
    uint32_t k = 0;
    for (const tn_ynode *c = n->child; c; c = c->next, k++) {
        if (k >= n->count || (n->kind == TN_Y_MAP ? !c->val : c->val != NULL) ||
            enc_node(e, c, depth + 1))
            return -1;
        if (n->kind == TN_Y_MAP &&
            (c->val->next || c->val->val || enc_node(e, c->val, depth + 1)))
            return -1;
    }
    return k == n->count ? 0 : -1;
}

/* Only shapes the parser builds are written (so a cycle or an alias
 * expansion past the caps is refused, not followed). */
static int enc_node(enc *e, const tn_ynode *n, int depth)
{
    if (depth > MAX_DEPTH || ++e->nodes > e->max_nodes || e->b->len - e->start > e->max_bytes)
        return -1;
    if (n->kind == TN_Y_SCALAR) {
        if (n->child || n->count || n->plain > 1 || n->len > UINT32_MAX || !n->str ||
            n->len > e->max_bytes)
            return -1;
        put_head(e->b, n->plain ? 4 : 0, n->line, n->col, n->len);
        if (n->len)
            tn_buf_put(e->b, n->str, n->len);
        e->strbytes += n->len + 1;
        return 0;
    }
    if ((n->kind != TN_Y_SEQ && n->kind != TN_Y_MAP) || n->len || n->plain || !n->str || n->str[0])
        return -1;
    put_head(e->b, n->kind == TN_Y_SEQ ? 1 : 2, n->line, n->col, n->count);
    return enc_items(e, n, depth);
}

int tn_ytree_encode(const tn_ystream *st, uint64_t text_len, tn_buf *out)
{
    tn_buf body = {0};
    /* aliases may share subtrees: no more than twice the nodes or four
     * times the bytes of the text (SigmaHQ's rules use no aliases) */
    enc e = {.b = &body, .max_nodes = 2 * text_len + 64, .max_bytes = 4 * text_len + 4096};
    int rc = 0;
    for (size_t i = 0; i < st->ndocs && !rc; i++)
        rc = !st->docs[i] || st->docs[i]->next || st->docs[i]->val || enc_node(&e, st->docs[i], 0);
    if (!rc && tn_buf_ok(&body) && body.len <= e.max_bytes) {
        put_var(out, st->ndocs);
        put_var(out, e.nodes);
        put_var(out, e.strbytes);
        if (body.len)
            tn_buf_put(out, body.data, body.len);
    } else {
        rc = -1;
    }
    tn_buf_free(&body);
    return rc || !tn_buf_ok(out) ? -1 : 0;
}

typedef struct dec {
    const unsigned char *p, *end;
    tn_ynode *nodes;
    uint64_t nnodes, used;
    char *str;
    uint64_t strbytes, sused;
} dec;

/* A canonical varint of at most 64 bits: 0, or -1. */
static int get_var_long(dec *d, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && d->p < d->end; shift += 7) {
        unsigned char c = *d->p++;
        if (shift == 63 && c > 1)
            return -1;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return shift && !c ? -1 : 0;   /* no trailing zero groups */
        }
    }
    return -1;
}

/* Most are one byte (positions, short texts, counts). */
static inline int get_var(dec *d, uint64_t *v)
{
    if (d->p < d->end && *d->p < 0x80) {
        *v = *d->p++;
        return 0;
    }
    return get_var_long(d, v);
}

static tn_ynode *dec_node(dec *d, int depth);

static int dec_items(dec *d, tn_ynode *n, int depth)
{
    tn_ynode **link = &n->child;
    for (uint32_t i = 0; i < n->count; i++) {
        tn_ynode *c = dec_node(d, depth + 1);
        if (!c)
            return -1;
        *link = c;
        link = &c->next;
        if (n->kind == TN_Y_MAP && !(c->val = dec_node(d, depth + 1)))
            return -1;
    }
    return 0;
}

static tn_ynode *dec_node(dec *d, int depth)
{
    uint64_t line, col, x;
    unsigned tag;
    if (depth > MAX_DEPTH || d->p >= d->end || d->used >= d->nnodes)
        return NULL;
    const unsigned char *p = d->p;
    /* the tag and three one-byte varints, as for ~90% of the Windows rules'
     * nodes: one test instead of three varint reads (which were ~40% of
     * dec_node's 22.6 M instructions) */
    if (d->end - p >= 4 && !((p[1] | p[2] | p[3]) & 0x80)) {
        tag = p[0];
        line = p[1];
        col = p[2];
        x = p[3];
        d->p = p + 4;
    } else {
        tag = *d->p++;
        if (get_var(d, &line) || get_var(d, &col) || get_var(d, &x) || line > UINT32_MAX ||
            col > UINT32_MAX || x > UINT32_MAX)
            return NULL;
    }
    if (tag > 4 || tag == 3)
        return NULL;
    tn_ynode *n = &d->nodes[d->used++];
    if (tag == 0 || tag == 4) {
        if (x > (uint64_t)(d->end - d->p) || x >= d->strbytes - d->sused)
            return NULL;
        char *s = d->str + d->sused;
        /* most texts are short: one fixed 16-byte copy, not a memcpy call
         * (what it copies past the text is overwritten by the next text,
         * or lands in the slack after the last) */
        if (x <= 16 && d->end - d->p >= 16)
            memcpy(s, d->p, 16);
        else
            memcpy(s, d->p, x);
        s[x] = 0;
        d->p += x;
        d->sused += x + 1;
        *n = (tn_ynode){.kind = TN_Y_SCALAR, .str = s, .len = x, .plain = tag == 4,
                        .line = (uint32_t)line, .col = (uint32_t)col};
        return n;
    }
    *n = (tn_ynode){.kind = tag == 1 ? TN_Y_SEQ : TN_Y_MAP, .str = "", .line = (uint32_t)line,
                    .col = (uint32_t)col, .count = (uint32_t)x};
    return dec_items(d, n, depth) ? NULL : n;
}

int tn_ytree_decode(const void *data, size_t len, tn_arena *a, tn_ystream *st)
{
    dec d = {.p = data, .end = (const unsigned char *)data + len};
    uint64_t ndocs;
    memset(st, 0, sizeof(*st));
    /* a node takes 4 bytes at least; a scalar's bytes are in the entry */
    if (get_var(&d, &ndocs) || get_var(&d, &d.nnodes) || get_var(&d, &d.strbytes) ||
        ndocs > d.nnodes || d.nnodes > len / 4 || d.strbytes > len + d.nnodes)
        return -1;
    tn_ynode **docs = ndocs ? tn_arena_alloc(a, ndocs * sizeof(*docs)) : NULL;
    d.nodes = d.nnodes ? tn_arena_alloc(a, d.nnodes * sizeof(*d.nodes)) : NULL;
    d.str = d.strbytes ? tn_arena_alloc(a, d.strbytes + 16) : NULL;   /* 16: see dec_node */
    if ((ndocs && !docs) || (d.nnodes && !d.nodes) || (d.strbytes && !d.str))
        return -1;
    for (uint64_t i = 0; i < ndocs; i++)
        if (!(docs[i] = dec_node(&d, 0)))
            return -1;
    if (d.p != d.end || d.used != d.nnodes || d.sused != d.strbytes)
        return -1;
    st->docs = docs;
    st->ndocs = ndocs;
    return 0;
}

/* ---- the cache file ---- */

typedef struct fresh {
    tn_ykey k;
    uint64_t off;          /* in tn_ycache.fresh */
    uint32_t size;
    uint64_t check;
} fresh;

/* A record of the file index: a file's stat and its content key. */
typedef struct yrec {
    tn_yfile f;
    tn_ykey k;
} yrec;

struct tn_ycache {
    char dir[4096], path[4200];   /* path "": never written */
    char *data;            /* the file, mapped or read (tn_file_map) */
    size_t data_len;
    int mapped;
    const unsigned char *index, *body;
    uint32_t n;
    uint64_t body_len;
    atomic_uchar *used;    /* entry i was used by this load */
    pthread_mutex_t mu;    /* fresh, fv, nf, capf */
    tn_buf fresh;
    fresh *fv;
    size_t nf, capf;
    /* the file index (ycache.h): its image, records, and this load's */
    char fpath[4300];      /* "": never written */
    char *fdata;
    size_t fdata_len;
    int fmapped;
    const unsigned char *frec;
    uint32_t nfrec;
    yrec *ff;              /* under mu */
    size_t nff, capff;
};

static uint32_t trees_version(void)
{
    int ma = 0, mi = 0, pa = 0;
    yaml_get_version(&ma, &mi, &pa);
    return (uint32_t)(ma & 0xff) << 16 | (uint32_t)(mi & 0xff) << 8 | (uint32_t)(pa & 0xff);
}

static void ent_at(const tn_ycache *c, uint32_t i, tn_ykey *k, uint64_t *off, uint32_t *size,
                   uint64_t *check)
{
    const unsigned char *e = c->index + (size_t)i * ENT;
    k->h[0] = rd64(e);
    k->h[1] = rd64(e + 8);
    k->len = rd64(e + 16);
    *off = rd64(e + 24);
    memcpy(size, e + 32, 4);
    *check = rd64(e + 40);
}

/* Takes the file image in c->data if its header, index and checksum hold
 * (else the cache stays empty). */
static void take_image(tn_ycache *c, size_t len)
{
    const unsigned char *d = (const unsigned char *)c->data;
    uint32_t ver, yver, n, z;
    uint64_t blen;
    if (len < HEAD || memcmp(d, MAGIC, 8))
        return;
    memcpy(&ver, d + 16, 4);
    memcpy(&yver, d + 20, 4);
    memcpy(&n, d + 24, 4);
    memcpy(&z, d + 28, 4);
    blen = rd64(d + 32);
    if (ver != TN_YAML_TREES || yver != trees_version() || z || n > (len - HEAD) / ENT ||
        blen != len - HEAD - (size_t)n * ENT ||
        tn_ycache_check(d + 16, HEAD - 16 + (size_t)n * ENT) != rd64(d + 8))
        return;
    c->index = d + HEAD;
    c->body = c->index + (size_t)n * ENT;
    c->body_len = blen;
    c->n = n;
    tn_ykey prev = {{0, 0}, 0};
    for (uint32_t i = 0; i < n; i++) {   /* sorted, and inside data */
        tn_ykey k;
        uint64_t off;
        uint32_t size;
        uint64_t check;
        ent_at(c, i, &k, &off, &size, &check);
        if ((i && key_cmp(&prev, &k) >= 0) || off > blen || size > blen - off) {
            c->n = 0;
            return;
        }
        prev = k;
    }
    c->used = c->n ? tn_calloc(c->n, sizeof(*c->used)) : NULL;
    if (c->n && !c->used)
        c->n = 0;
}

/* ---- the file index ----
 *
 * "TNYFILE1"  u64 check  u32 n  u32 0  then n records of 64 bytes sorted
 * by (dev, ino): u64 dev, ino, size, mtime, ctime, h0, h1, len. check is
 * tn_ycache_check of everything after it. A record is only ever a hint: what it
 * names is looked up in the trees, whose entries have checksums of their
 * own. */

int tn_yfile_of(const struct stat *sb, tn_yfile *f)
{
    if (!S_ISREG(sb->st_mode))
        return -1;
    *f = (tn_yfile){
        .dev = (uint64_t)sb->st_dev,
        .ino = (uint64_t)sb->st_ino,
        .size = (uint64_t)sb->st_size,
        .mtime = (uint64_t)sb->st_mtim.tv_sec * 1000000000u + (uint64_t)sb->st_mtim.tv_nsec,
        .ctime = (uint64_t)sb->st_ctim.tv_sec * 1000000000u + (uint64_t)sb->st_ctim.tv_nsec,
    };
    return 0;
}

static void rec_at(const unsigned char *p, yrec *r)
{
    r->f.dev = rd64(p);
    r->f.ino = rd64(p + 8);
    r->f.size = rd64(p + 16);
    r->f.mtime = rd64(p + 24);
    r->f.ctime = rd64(p + 32);
    r->k.h[0] = rd64(p + 40);
    r->k.h[1] = rd64(p + 48);
    r->k.len = rd64(p + 56);
}

static int id_cmp(const tn_yfile *x, const tn_yfile *y)
{
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int rec_cmp(const void *x, const void *y)
{
    return id_cmp(&((const yrec *)x)->f, &((const yrec *)y)->f);
}

/* Takes the index image in c->fdata if its header and checksum hold and
 * its records are sorted (else the index stays empty). */
static void take_files(tn_ycache *c, size_t len)
{
    const unsigned char *d = (const unsigned char *)c->fdata;
    uint32_t n, z;
    if (len < FHEAD || memcmp(d, FMAGIC, 8))
        return;
    memcpy(&n, d + 16, 4);
    memcpy(&z, d + 20, 4);
    if (z || n > (len - FHEAD) / FREC || len != FHEAD + (size_t)n * FREC ||
        tn_ycache_check(d + 16, len - 16) != rd64(d + 8))
        return;
    yrec prev = {0};
    for (uint32_t i = 0; i < n; i++) {
        yrec r;
        rec_at(d + FHEAD + (size_t)i * FREC, &r);
        if (i && id_cmp(&prev.f, &r.f) >= 0)
            return;
        prev = r;
    }
    c->frec = d + FHEAD;
    c->nfrec = n;
}

int tn_ycache_files_from_bytes(tn_ycache *c, const void *data, size_t len)
{
    char *d = tn_malloc(len ? len : 1);
    if (!d)
        return -1;
    if (len)
        memcpy(d, data, len);
    if (c->fdata)
        tn_file_release(c->fdata, c->fdata_len, c->fmapped);
    c->fdata = d;
    c->fdata_len = len;
    c->fmapped = 0;
    c->frec = NULL;
    c->nfrec = 0;
    take_files(c, len);
    return 0;
}

int tn_ycache_get_file(tn_ycache *c, const tn_yfile *f, tn_arena *a, tn_ystream *st)
{
    memset(st, 0, sizeof(*st));
    uint32_t lo = 0, hi = c ? c->nfrec : 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        yrec r;
        rec_at(c->frec + (size_t)mid * FREC, &r);
        int o = id_cmp(f, &r.f);
        if (o < 0)
            hi = mid;
        else if (o > 0)
            lo = mid + 1;
        else if (r.f.size == f->size && r.f.mtime == f->mtime && r.f.ctime == f->ctime &&
                 r.k.len == f->size)
            return tn_ycache_get(c, &r.k, a, st);
        else
            return -1;
    }
    return -1;
}

/* Records f -> k for later loads, when f was last changed at least
 * RACY_NS before now. */
static void note_file(tn_ycache *c, const tn_yfile *f, const tn_ykey *k)
{
    struct timespec ts;
    if (k->len != f->size || clock_gettime(CLOCK_REALTIME, &ts))
        return;
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (f->mtime + RACY_NS > now || f->ctime + RACY_NS > now)
        return;
    pthread_mutex_lock(&c->mu);
    if (c->nff == c->capff) {
        size_t ncap = c->capff ? c->capff * 2 : 256;
        yrec *nv = tn_realloc(c->ff, ncap * sizeof(*nv));
        if (nv) {
            c->ff = nv;
            c->capff = ncap;
        }
    }
    if (c->nff < c->capff)
        c->ff[c->nff++] = (yrec){*f, *k};
    pthread_mutex_unlock(&c->mu);
}

int tn_ycache_parse_file(tn_ycache *c, const tn_yfile *f, const char *text, size_t len,
                         tn_arena *a, tn_ystream *st, char *err, size_t errlen, uint32_t *line,
                         uint32_t *col)
{
    tn_ykey k;
    if (!c)
        return tn_yaml_parse(text, len, a, st, err, errlen, line, col);
    tn_ykey_of(text, len, &k);
    if (tn_ycache_get(c, &k, a, st)) {
        if (tn_yaml_parse(text, len, a, st, err, errlen, line, col))
            return -1;
        tn_ycache_put(c, &k, st);
    }
    if (f)
        note_file(c, f, &k);
    return 0;
}

/* The records to write: this load's, then the old ones it did not
 * replace, up to MAX_FRECS, sorted. */
int tn_ycache_files_image(tn_ycache *c, tn_buf *out)
{
    if (!c || !c->nff)
        return -1;
    size_t cap = c->nff + c->nfrec, n = 0;
    yrec *v = tn_malloc(cap * sizeof(*v));
    if (!v)
        return -1;
    qsort(c->ff, c->nff, sizeof(*c->ff), rec_cmp);
    for (size_t i = 0; i < c->nff && n < MAX_FRECS; i++)
        if (!i || rec_cmp(&c->ff[i - 1], &c->ff[i]))   /* a file loaded twice */
            v[n++] = c->ff[i];
    size_t nfresh = n;
    for (uint32_t i = 0; i < c->nfrec && n < MAX_FRECS; i++) {
        yrec r;
        rec_at(c->frec + (size_t)i * FREC, &r);
        if (!bsearch(&r, c->ff, c->nff, sizeof(*c->ff), rec_cmp))
            v[n++] = r;
    }
    if (n > nfresh)
        qsort(v, n, sizeof(*v), rec_cmp);
    unsigned char head[FHEAD] = {0};
    uint32_t cnt = (uint32_t)n;
    memcpy(head, FMAGIC, 8);
    memcpy(head + 16, &cnt, 4);
    size_t at = out->len;
    tn_buf_put(out, head, FHEAD);
    for (size_t i = 0; i < n; i++) {
        uint64_t w[8] = {v[i].f.dev, v[i].f.ino, v[i].f.size, v[i].f.mtime, v[i].f.ctime,
                         v[i].k.h[0], v[i].k.h[1], v[i].k.len};
        tn_buf_put(out, w, FREC);
    }
    tn_free(v);
    if (!tn_buf_ok(out))
        return -1;
    uint64_t check = tn_ycache_check(out->data + at + 16, out->len - at - 16);
    memcpy(out->data + at + 8, &check, 8);
    return 0;
}

static tn_ycache *new_cache(void)
{
    tn_ycache *c = tn_calloc(1, sizeof(*c));
    if (c)
        pthread_mutex_init(&c->mu, NULL);
    return c;
}

tn_ycache *tn_ycache_from_bytes(const void *data, size_t len)
{
    tn_ycache *c = new_cache();
    if (!c)
        return NULL;
    c->data = tn_malloc(len ? len : 1);
    if (c->data) {
        if (len)
            memcpy(c->data, data, len);
        take_image(c, len);
    }
    return c;
}

tn_ycache *tn_ycache_open_file(const char *path)
{
    tn_ycache *c = new_cache();
    size_t len = 0;
    int k = c ? snprintf(c->path, sizeof(c->path), "%s", path) : -1;
    if (k <= 0 || (size_t)k >= sizeof(c->path)) {
        tn_ycache_free(c);
        return NULL;
    }
    snprintf(c->dir, sizeof(c->dir), "%s", path);
    char *slash = strrchr(c->dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(c->dir, sizeof(c->dir), ".");
    if (!tn_file_map(path, MAX_FILE, &c->data, &len, &c->mapped)) {
        c->data_len = len;
        take_image(c, len);
    }
    k = snprintf(c->fpath, sizeof(c->fpath), "%s%s", path, FILES_SUFFIX);
    if (k <= 0 || (size_t)k >= sizeof(c->fpath))
        c->fpath[0] = 0;
    else if (!tn_file_map(c->fpath, MAX_FILE, &c->fdata, &len, &c->fmapped)) {
        c->fdata_len = len;
        take_files(c, len);
    }
    return c;
}

tn_ycache *tn_ycache_open(void)
{
    char dir[4096], path[4200];
    if (!tn_hscache_dir(dir, sizeof(dir)))
        return NULL;
    int k = snprintf(path, sizeof(path), "%s/yaml-trees.tnyc", dir);
    return k > 0 && (size_t)k < sizeof(path) ? tn_ycache_open_file(path) : NULL;
}

int tn_ycache_get(tn_ycache *c, const tn_ykey *k, tn_arena *a, tn_ystream *st)
{
    memset(st, 0, sizeof(*st));
    uint32_t lo = 0, hi = c ? c->n : 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        tn_ykey e;
        uint64_t off;
        uint32_t size;
        uint64_t check;
        ent_at(c, mid, &e, &off, &size, &check);
        int r = key_cmp(k, &e);
        if (r < 0) {
            hi = mid;
        } else if (r > 0) {
            lo = mid + 1;
        } else {
            const unsigned char *p = c->body + off;
            if (tn_ycache_check(p, size) != check || tn_ytree_decode(p, size, a, st)) {
                memset(st, 0, sizeof(*st));
                return -1;
            }
            atomic_store_explicit(&c->used[mid], 1, memory_order_relaxed);
            return 0;
        }
    }
    return -1;
}

void tn_ycache_put(tn_ycache *c, const tn_ykey *k, const tn_ystream *st)
{
    tn_buf b = {0};
    if (!c || tn_ytree_encode(st, k->len, &b) || b.len > UINT32_MAX) {
        tn_buf_free(&b);
        return;
    }
    uint64_t check = tn_ycache_check(b.data, b.len);
    pthread_mutex_lock(&c->mu);
    if (c->nf == c->capf) {
        size_t ncap = c->capf ? c->capf * 2 : 256;
        fresh *nv = tn_realloc(c->fv, ncap * sizeof(*nv));
        if (nv) {
            c->fv = nv;
            c->capf = ncap;
        }
    }
    size_t off = c->fresh.len;
    tn_buf_put(&c->fresh, b.data, b.len);
    if (c->nf < c->capf && tn_buf_ok(&c->fresh))
        c->fv[c->nf++] = (fresh){*k, off, (uint32_t)b.len, check};
    pthread_mutex_unlock(&c->mu);
    tn_buf_free(&b);
}

int tn_ycache_parse(tn_ycache *c, const char *text, size_t len, tn_arena *a, tn_ystream *st,
                    char *err, size_t errlen, uint32_t *line, uint32_t *col)
{
    return tn_ycache_parse_file(c, NULL, text, len, a, st, err, errlen, line, col);
}

/* ---- writing ---- */

/* An entry of the file to write, and where its bytes are now. */
typedef struct outent {
    tn_ykey k;
    const void *p;
    uint32_t size;
    uint64_t check, off;
} outent;

static int out_cmp(const void *x, const void *y)
{
    return key_cmp(&((const outent *)x)->k, &((const outent *)y)->k);
}

static int fresh_cmp(const void *x, const void *y)
{
    return key_cmp(&((const fresh *)x)->k, &((const fresh *)y)->k);
}

/* An old entry's place in data (its recency) and its index. */
typedef struct place {
    uint64_t off;
    uint32_t i;
} place;

static int place_cmp(const void *x, const void *y)
{
    uint64_t a = ((const place *)x)->off, b = ((const place *)y)->off;
    return a < b ? -1 : a > b;
}

static int in_fresh(const tn_ycache *c, const tn_ykey *k)
{
    fresh key = {.k = *k};
    return c->nf && bsearch(&key, c->fv, c->nf, sizeof(*c->fv), fresh_cmp) != NULL;
}

/* Adds old entry i to v unless fresh replaces it or it is past the bound. */
static void add_old(const tn_ycache *c, uint32_t i, outent *v, size_t *n, uint64_t *bytes)
{
    outent o;
    ent_at(c, i, &o.k, &o.off, &o.size, &o.check);
    if (in_fresh(c, &o.k) || *bytes + o.size > KEEP_BYTES)
        return;
    o.p = c->body + o.off;
    *bytes += o.size;
    v[(*n)++] = o;
}

/* The entries to write, in data order: this load's (fresh, then used),
 * then older ones, up to KEEP_BYTES. */
static outent *gather(tn_ycache *c, size_t *nout)
{
    outent *v = tn_malloc((c->nf + c->n + 1) * sizeof(*v));
    place *old = tn_malloc((c->n + 1) * sizeof(*old));
    size_t n = 0;
    uint64_t bytes = 0;
    if (!v || !old) {
        tn_free(v);
        tn_free(old);
        return NULL;
    }
    qsort(c->fv, c->nf, sizeof(*c->fv), fresh_cmp);
    for (size_t i = 0; i < c->nf; i++) {
        const fresh *f = &c->fv[i];
        if ((i && !key_cmp(&f[-1].k, &f->k)) || bytes + f->size > KEEP_BYTES)
            continue;   /* two files of the same content */
        bytes += f->size;
        v[n++] = (outent){f->k, c->fresh.data + f->off, f->size, f->check, 0};
    }
    for (uint32_t i = 0; i < c->n; i++) {
        tn_ykey k;
        uint32_t size;
        uint64_t check;
        ent_at(c, i, &k, &old[i].off, &size, &check);
        old[i].i = i;
    }
    qsort(old, c->n, sizeof(*old), place_cmp);
    for (int pass = 1; pass >= 0; pass--)   /* used ones first */
        for (uint32_t i = 0; i < c->n; i++)
            if (atomic_load_explicit(&c->used[old[i].i], memory_order_relaxed) == pass)
                add_old(c, old[i].i, v, &n, &bytes);
    tn_free(old);
    *nout = n;
    return v;
}

int tn_ycache_image(tn_ycache *c, tn_buf *out)
{
    size_t n = 0;
    outent *v = c && c->nf ? gather(c, &n) : NULL;
    if (!v)
        return -1;
    tn_buf body = {0}, idx = {0};
    for (size_t i = 0; i < n; i++) {   /* data in gathered order */
        v[i].off = body.len;
        tn_buf_put(&body, v[i].p, v[i].size);
    }
    qsort(v, n, sizeof(*v), out_cmp);   /* the index by key */
    for (size_t i = 0; i < n; i++) {
        unsigned char e[ENT];
        memcpy(e, v[i].k.h, 16);
        memcpy(e + 16, &v[i].k.len, 8);
        memcpy(e + 24, &v[i].off, 8);
        memset(e + 32, 0, 8);
        memcpy(e + 32, &v[i].size, 4);
        memcpy(e + 40, &v[i].check, 8);
        tn_buf_put(&idx, e, ENT);
    }
    unsigned char head[HEAD] = {0};
    uint32_t ver = TN_YAML_TREES, yver = trees_version(), cnt = (uint32_t)n;
    uint64_t blen = body.len;
    memcpy(head, MAGIC, 8);
    memcpy(head + 16, &ver, 4);
    memcpy(head + 20, &yver, 4);
    memcpy(head + 24, &cnt, 4);
    memcpy(head + 32, &blen, 8);
    int ok = tn_buf_ok(&body) && tn_buf_ok(&idx);
    if (ok) {
        size_t at = out->len;
        tn_buf_put(out, head, HEAD);
        if (idx.len)
            tn_buf_put(out, idx.data, idx.len);
        if (tn_buf_ok(out)) {   /* the checksum of what follows it */
            uint64_t check = tn_ycache_check(out->data + at + 16, out->len - at - 16);
            memcpy(out->data + at + 8, &check, 8);
        }
        if (body.len)
            tn_buf_put(out, body.data, body.len);
    }
    tn_buf_free(&body);
    tn_buf_free(&idx);
    tn_free(v);
    return ok && tn_buf_ok(out) ? 0 : -1;
}

/* Written to a temporary name and renamed, so that a reader never sees a
 * half-written file; of two concurrent runs, the last rename wins. */
static void store(const char *dir, const char *path, tn_ycache *c,
                  int (*image)(tn_ycache *, tn_buf *))
{
    char tmp[4400], d[4096];
    tn_buf img = {0};
    int k = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    snprintf(d, sizeof(d), "%s", dir);
    if (k <= 0 || (size_t)k >= sizeof(tmp) || tn_mkdirs(d) || image(c, &img)) {
        tn_buf_free(&img);
        return;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        int bad = tn_write_all(fd, img.data, img.len);
        bad |= close(fd) != 0;
        if (bad || rename(tmp, path))
            unlink(tmp);
    }
    tn_buf_free(&img);
}

void tn_ycache_free(tn_ycache *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->mu);
    if (c->data)
        tn_file_release(c->data, c->data_len, c->mapped);
    if (c->fdata)
        tn_file_release(c->fdata, c->fdata_len, c->fmapped);
    tn_free(c->ff);
    tn_free(c->used);
    tn_buf_free(&c->fresh);
    tn_free(c->fv);
    tn_free(c);
}

void tn_ycache_close(tn_ycache *c)
{
    if (c && c->nf && c->path[0])
        store(c->dir, c->path, c, tn_ycache_image);
    if (c && c->nff && c->fpath[0])
        store(c->dir, c->fpath, c, tn_ycache_files_image);
    tn_ycache_free(c);
}
