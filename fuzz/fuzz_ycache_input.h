/* fuzz_ycache_input.h - one input of fuzz_ycache, also replayed by
 * tests/unit/test_sigma_ycache.c.
 *
 * The first byte, modulo 4, chooses:
 *   0, 2: the rest is one cache entry (tn_ytree_decode). When it decodes,
 *         encoding the trees again must give the same bytes (an entry
 *         has one encoding, so a decoded entry is the trees written).
 *   3:    the rest is a file index (ycache.h, the files known by stat):
 *         its magic, count and checksum are set right first, then every
 *         record's file is looked up, in an empty cache of trees and in
 *         one holding a rule. Nothing may crash, leak or read out of
 *         bounds, and a lookup in the empty cache must miss.
 *   1:    the rest is a cache file. Its magic, versions, sizes and
 *         checksums are set right first (else nearly every input would
 *         stop at the checksum), keeping the fuzzer's index (keys,
 *         offsets, sizes) and data; then every key of the index is
 *         looked up. Nothing may crash, leak or read out of bounds.
 * Returns 0, or -1 when a property fails. */
#ifndef FUZZ_YCACHE_INPUT_H
#define FUZZ_YCACHE_INPUT_H

#include "base/alloc.h"
#include "base/buf.h"
#include "sigma/ycache.h"

#include <stdint.h>
#include <string.h>
#include <yaml.h>

static uint64_t fz_check(const unsigned char *p, size_t n)
{
    return tn_ycache_check(p, n);
}

/* The layout of ycache.c: 40-byte header, 48-byte index entries. */
static void fz_fix_image(unsigned char *d, size_t len)
{
    int ma = 0, mi = 0, pa = 0;
    if (len < 40)
        return;
    yaml_get_version(&ma, &mi, &pa);
    uint32_t ver = TN_YAML_TREES, yver = (uint32_t)(ma & 0xff) << 16 |
                                         (uint32_t)(mi & 0xff) << 8 | (uint32_t)(pa & 0xff);
    uint32_t n, z = 0;
    memcpy(&n, d + 24, 4);
    n %= (uint32_t)((len - 40) / 48 + 1);
    uint64_t blen = len - 40 - (uint64_t)n * 48;
    memcpy(d, "TNYTREE2", 8);   /* ycache.c MAGIC */
    memcpy(d + 16, &ver, 4);
    memcpy(d + 20, &yver, 4);
    memcpy(d + 24, &n, 4);
    memcpy(d + 28, &z, 4);
    memcpy(d + 32, &blen, 8);
    const unsigned char *body = d + 40 + (size_t)n * 48;
    for (uint32_t i = 0; i < n; i++) {
        unsigned char *e = d + 40 + (size_t)i * 48;
        uint64_t off;
        uint32_t size;
        memcpy(&off, e + 24, 8);
        memcpy(&size, e + 32, 4);
        if (off <= blen && size <= blen - off) {
            uint64_t c = fz_check(body + off, size);
            memcpy(e + 40, &c, 8);
        }
    }
    uint64_t c = fz_check(d + 16, 24 + (size_t)n * 48);
    memcpy(d + 8, &c, 8);
}

/* The layout of ycache.c's file index: 24-byte header, 64-byte records. */
static void fz_fix_files(unsigned char *d, size_t len)
{
    if (len < 24)
        return;
    uint32_t n = (uint32_t)((len - 24) / 64), z = 0;
    memcpy(d, "TNYFILE2", 8);   /* ycache.c FMAGIC */
    memcpy(d + 16, &n, 4);
    memcpy(d + 20, &z, 4);
    uint64_t c = fz_check(d + 16, 8 + (size_t)n * 64);
    memcpy(d + 8, &c, 8);
}

static int fz_files_one(const uint8_t *data, size_t size, tn_arena *a)
{
    int rc = 0;
    size_t len = size - 1;
    len -= len >= 24 ? (len - 24) % 64 : 0;   /* whole records */
    unsigned char *img = tn_malloc(len ? len : 1);
    if (!img)
        return 0;
    memcpy(img, data + 1, len);
    fz_fix_files(img, len);
    const char *rule = "title: t\ndetection:\n  s: {a: 1}\n  condition: s\n";
    tn_ystream st;
    char err[64];
    uint32_t l, col;
    /* a cache holding the rule's trees, so that a record naming them hits */
    tn_ycache *w = tn_ycache_from_bytes("", 0);
    tn_buf trees = {0};
    if (w && !tn_ycache_parse(w, rule, strlen(rule), a, &st, err, sizeof(err), &l, &col))
        tn_ycache_image(w, &trees);
    tn_ycache_free(w);
    tn_ycache *c[2] = {tn_ycache_from_bytes("", 0),
                       tn_ycache_from_bytes(trees.data ? trees.data : "", trees.len)};
    tn_buf_free(&trees);
    for (int k = 0; k < 2; k++) {
        if (!c[k] || tn_ycache_files_from_bytes(c[k], img, len))
            continue;
        for (size_t i = 0; len >= 24 && i < (len - 24) / 64 && i < 256; i++) {
            uint64_t r[8];
            memcpy(r, img + 24 + i * 64, 64);
            tn_yfile f = {r[0], r[1], r[2], r[3], r[4]};
            if (!tn_ycache_get_file(c[k], &f, a, &st) && k == 0)
                rc = -1;
        }
    }
    tn_ycache_free(c[0]);
    tn_ycache_free(c[1]);
    tn_free(img);
    return rc;
}

static int fz_ycache_one(const uint8_t *data, size_t size)
{
    tn_arena a;
    tn_ystream st;
    int rc = 0;
    if (!size)
        return 0;
    tn_arena_init(&a, 4096);
    if ((data[0] & 3) == 3) {
        rc = fz_files_one(data, size, &a);
        tn_arena_free(&a);
        return rc;
    }
    if (!(data[0] & 1)) {
        if (!tn_ytree_decode(data + 1, size - 1, &a, &st)) {
            tn_buf again = {0};
            if (tn_ytree_encode(&st, UINT32_MAX, &again) || again.len != size - 1 ||
                memcmp(again.data, data + 1, size - 1))
                rc = -1;
            tn_buf_free(&again);
        }
        tn_arena_free(&a);
        return rc;
    }
    unsigned char *img = tn_malloc(size);
    if (!img) {
        tn_arena_free(&a);
        return 0;
    }
    memcpy(img, data + 1, size - 1);
    fz_fix_image(img, size - 1);
    tn_ycache *c = tn_ycache_from_bytes(img, size - 1);
    uint32_t n = 0;
    if (size - 1 >= 40)
        memcpy(&n, img + 24, 4);
    for (uint32_t i = 0; c && i < n && i < 256; i++) {
        tn_ykey k;
        memcpy(k.h, img + 40 + (size_t)i * 48, 16);
        memcpy(&k.len, img + 40 + (size_t)i * 48 + 16, 8);
        tn_ycache_get(c, &k, &a, &st);
    }
    tn_ycache_free(c);
    tn_free(img);
    tn_arena_free(&a);
    return rc;
}

#endif
