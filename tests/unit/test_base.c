/* test_base.c - arena, buffer escaping, time conversion. */
#include "tn_test.h"

#include "base/alloc.h"
#include "base/arena.h"
#include "base/buf.h"
#include "read/event.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

TN_TEST(test_arena_reset_keeps_one_block)
{
    tn_arena a;
    tn_arena_init(&a, 1024);
    for (int i = 0; i < 100; i++)
        CHECK(tn_arena_alloc(&a, 100) != NULL);
    tn_arena_reset(&a);
    char *s = tn_arena_strndup(&a, "hello", 3);
    CHECK_STR(s, "hel");
    tn_arena_free(&a);
}

/* After a reset the arena's blocks of the default size are used again,
 * not freed and allocated afresh (pages that were faulted in stay so):
 * the second round gets exactly the first round's blocks, even though
 * mallocs of their size in between would have taken them had they been
 * freed. A larger block is freed (LeakSanitizer sees a leak otherwise). */
TN_TEST(test_arena_reset_reuses_its_blocks)
{
    enum { N = 12, BS = 1024 };
    tn_arena a;
    tn_arena_init(&a, BS);
    void *first[N], *other[N];
    for (int i = 0; i < N; i++)
        first[i] = tn_arena_alloc(&a, BS);   /* a whole block each */
    CHECK(tn_arena_alloc(&a, 5 * BS) != NULL);   /* a larger block */
    tn_arena_reset(&a);
#if defined(__SANITIZE_ADDRESS__)
    /* kept, but poisoned until reused: a use after reset is still caught */
    for (int i = 0; i < N; i++)
        CHECK(__asan_address_is_poisoned(first[i]));
#endif
    for (int i = 0; i < N; i++)   /* what a freed block would go to */
        other[i] = malloc(BS + 64);
    int same = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            void *p = tn_arena_alloc(&a, BS);
            memset(p, 1, BS);   /* usable again (ASan would stop here if not) */
            for (int j = 0; j < N; j++)
                same += p == first[j];
        }
        tn_arena_reset(&a);
    }
    CHECK_INT(same, 2 * N);
    for (int i = 0; i < N; i++)
        free(other[i]);
    tn_arena_free(&a);
}

/* A growing arena: its first block is small, the next ones fill a 2 MiB
 * region each (tn_huge_alloc: aligned to 2 MiB); after a reset every
 * block is used again, whatever the order of the requests, and a request
 * larger than the blocks gets a block of its own, freed by the reset. */
TN_TEST(test_arena_growing_blocks)
{
    tn_arena a;
    tn_arena_init_growing(&a, 4096, TN_ARENA_HUGE);
    char *p = tn_arena_alloc(&a, 4000);                /* the first, small block */
    char *q = tn_arena_alloc(&a, 4000);                /* does not fit: a 2 MiB one */
    CHECK(p && q);
    CHECK(((uintptr_t)p & (TN_HUGE - 1)) != ((uintptr_t)q & (TN_HUGE - 1)) || p + 4000 != q);
    CHECK(((uintptr_t)q & (TN_HUGE - 1)) < 256);      /* at the start of its region */
    char *r = tn_arena_alloc(&a, (size_t)1 << 20);     /* the same block, after q */
    CHECK(r == q + 4000);
    memset(r, 7, (size_t)1 << 20);
    char *big = tn_arena_alloc(&a, (size_t)3 << 20);   /* its own block */
    CHECK(big != NULL && ((uintptr_t)big & (TN_HUGE - 1)) < 256);
    memset(big, 1, (size_t)3 << 20);
    tn_arena_reset(&a);
    /* a request the small block cannot take finds the 2 MiB one below it */
    char *s1 = tn_arena_alloc(&a, (size_t)1 << 20);
    char *s2 = tn_arena_alloc(&a, 100);
    CHECK(s1 == q);
    CHECK(s2 == s1 + ((size_t)1 << 20));
    char *s3 = tn_arena_alloc(&a, TN_ARENA_HUGE);      /* neither spare fits now: a new block */
    CHECK(s3 != NULL);
    tn_arena_reset(&a);
    /* three blocks kept, none made: each request gets one of them */
    char *t1 = tn_arena_alloc(&a, TN_ARENA_HUGE), *t2 = tn_arena_alloc(&a, TN_ARENA_HUGE);
    char *t3 = tn_arena_alloc(&a, 4000);
    CHECK((t1 == q && t2 == s3) || (t1 == s3 && t2 == q));
    CHECK(t3 == p);
    tn_arena_free(&a);
}

/* Huge regions are 2 MiB-aligned, rounded up to 2 MiB, and zeroed. */
TN_TEST(test_huge_alloc)
{
    size_t n = 5000;
    unsigned char *h = tn_huge_alloc(&n);
    CHECK(h != NULL);
    CHECK(n == TN_HUGE);
    CHECK(((uintptr_t)h & (TN_HUGE - 1)) == 0);
    size_t zero = 0;
    for (size_t i = 0; h && i < n; i += 4096)
        zero += h[i] == 0 && h[n - 1 - i] == 0;
    CHECK(zero == n / 4096);
    if (h)
        memset(h, 3, n);
    tn_huge_free(h, n);
    n = TN_HUGE + 1;
    h = tn_huge_alloc(&n);
    CHECK(h != NULL && n == 2 * TN_HUGE);
    tn_huge_free(h, n);
    n = 0;   /* a region, mapped, not an empty one */
    h = tn_huge_alloc(&n);
    CHECK(h != NULL && n == TN_HUGE);
    if (h)
        h[0] = h[TN_HUGE - 1] = 1;
    tn_huge_free(h, n);
}

TN_TEST(test_buf_json_escape)
{
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_json_str(&b, "a\"b\\c\n\x01", 7);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    tn_buf_free(&b);
}

TN_TEST(test_buf_utf16_surrogates)
{
    /* "é" U+00E9, "€" U+20AC, U+1F600 as a pair, then a lone high surrogate */
    const unsigned char u[] = {0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE, 0x3D, 0xD8};
    tn_buf b;
    tn_buf_init(&b);
    tn_buf_utf16(&b, u, 5);
    CHECK_STR(b.data, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD");
    tn_buf_clear(&b);
    const unsigned char x[] = {'<', 0, '&', 0};
    tn_buf_utf16_xml(&b, x, 2);
    CHECK_STR(b.data, "&lt;&amp;");
    tn_buf_free(&b);
}

TN_TEST(test_filetime_roundtrip)
{
    uint64_t ft;
    char out[32];
    CHECK(tn_filetime_parse("2019-03-19T23:35:10.1234567Z", 28, &ft) == 0);
    tn_filetime_format(ft, out);
    CHECK_STR(out, "2019-03-19T23:35:10.123456Z");
    CHECK(tn_filetime_parse("2019-03-20 01:35:10.123+02:00", 29, &ft) == 0);
    tn_filetime_format(ft, out);
    CHECK_STR(out, "2019-03-19T23:35:10.123000Z");
    CHECK(tn_filetime_parse("1601-01-01T00:00:00Z", 20, &ft) == 0);
    CHECK_INT(ft, 0);
    CHECK(tn_filetime_parse("2019-13-01", 10, &ft) == -1);
    CHECK(tn_filetime_parse("not a time", 10, &ft) == -1);
}

#include "base/map.h"

TN_TEST(test_map_ids_are_stable_across_growth)
{
    tn_map m;
    tn_map_init(&m);
    char k[32];
    int added;
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(k, sizeof(k), "key-%d", i);
        CHECK_INT(tn_map_put(&m, k, (size_t)n, &added), i);
        CHECK(added);
    }
    CHECK_INT(tn_map_put(&m, "key-17", 6, &added), 17);
    CHECK(!added);
    CHECK_INT(tn_map_get(&m, "key-999", 7), 999);
    CHECK_INT(tn_map_get(&m, "nope", 4), -1);
    CHECK_STR(tn_map_key(&m, 5), "key-5");
    tn_map_free(&m);
}

#include "base/alloc.h"
#include "base/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* tn_file_read sizes its buffer from the file's length: every byte comes
 * back for lengths around the first buffer's size, and past max it fails
 * as before. */
TN_TEST(test_file_read_sizes)
{
    char path[] = "/tmp/tansa-fileread-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    static const size_t sizes[] = {0, 1, 100, 16383, 16384, 16385, 40000, 70001};
    char *want = malloc(70001);
    for (size_t i = 0; i < 70001; i++)
        want[i] = (char)(i * 131 + i / 251);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        if (!f)
            break;
        CHECK_INT(fwrite(want, 1, sizes[s], f), sizes[s]);
        fclose(f);
        char *got = NULL;
        size_t len = 12345;
        CHECK_INT(tn_file_read(path, 1 << 20, &got, &len), 0);
        CHECK_INT(len, sizes[s]);
        CHECK(got != NULL && !memcmp(got, want, sizes[s]));
        tn_free(got);
    }
    /* 70001 bytes with a cap of 32 KiB: too big */
    char *got = NULL;
    size_t len = 0;
    errno = 0;
    CHECK_INT(tn_file_read(path, 32768, &got, &len), -1);
    CHECK_INT(errno, EFBIG);
    free(want);
    close(fd);
    unlink(path);
}

/* tn_time_of_day_format, two digits at a time, against printf for every
 * second of a day and microseconds of every width. */
TN_TEST(test_time_of_day_matches_printf)
{
    static const unsigned uss[] = {0, 1, 9, 10, 99, 100, 999, 1000, 12345, 99999, 100000,
                                   123456, 500000, 999999};
    char got[32], want[40];
    for (unsigned rem = 0; rem < 86400; rem++) {
        unsigned us = uss[rem % (sizeof(uss) / sizeof(uss[0]))];
        memset(got, '?', sizeof(got));
        CHECK_INT(tn_time_of_day_format(rem, us, got), 27);
        snprintf(want, sizeof(want), "??????????T%02u:%02u:%02u.%06uZ", rem / 3600, rem / 60 % 60,
                 rem % 60, us);
        if (memcmp(got, want, 28)) {
            CHECK_STR(got + 10, want + 10);
            break;
        }
    }
}
