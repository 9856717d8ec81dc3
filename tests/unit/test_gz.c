/* test_gz.c - gzip input (read/gz.c): members, damage, where it is said,
 * and the JSON and auditd readers over it. The gzip data is made here
 * with zlib's deflate, so every case knows its expected bytes. */
#include "tn_test.h"
#include "replay.h"
#include "../../fuzz/fuzz_gz_check.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "read/auditd.h"
#include "read/gz.h"
#include "read/jsonl.h"

#include <stdlib.h>
#include <zlib.h>

/* Appends one gzip member of s[0..n) to b. */
static void gz_member(tn_buf *b, const char *s, size_t n)
{
    z_stream z = {0};
    CHECK_INT(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    unsigned char *out = tn_malloc(cap);
    z.next_in = (unsigned char *)(uintptr_t)s;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    CHECK_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
    tn_buf_put(b, out, cap - z.avail_out);
    deflateEnd(&z);
    tn_free(out);
}

/* Reads all of p[0..n) in reads of `step` bytes: the bytes, and the
 * problems said, each as "@K:why\n" (K: decompressed bytes before it). */
static void read_all(const void *p, size_t n, size_t step, tn_buf *out, tn_buf *probs)
{
    tn_gz *g = tn_gz_open_mem(p, n);
    CHECK(g != NULL);
    unsigned char *tmp = tn_malloc(step);
    long got;
    while ((got = tn_gz_read(g, tmp, step)) >= 0 || got == TN_GZ_AGAIN) {
        size_t at;
        const char *why = tn_gz_problem(g, &at);
        if (why)
            tn_buf_printf(probs, "@%zu:%s\n", out->len + at, why);
        if (!got)
            break;
        if (got > 0)
            tn_buf_put(out, tmp, (size_t)got);
    }
    CHECK_INT(got, 0);
    tn_free(tmp);
    tn_gz_close(g);
}

static const char *text(tn_buf *b)
{
    tn_buf_putc(b, 0);
    b->len--;
    return b->data;
}

/* The same bytes and problems, whatever the read size. */
static void check_reads(const tn_buf *gz, const char *want, const char *want_probs)
{
    static const size_t steps[] = {1, 3, 100, 65536};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        tn_buf out, probs;
        tn_buf_init(&out);
        tn_buf_init(&probs);
        read_all(gz->data, gz->len, steps[i], &out, &probs);
        CHECK_STR(text(&out), want);
        CHECK_STR(text(&probs), want_probs);
        tn_buf_free(&out);
        tn_buf_free(&probs);
    }
}

TN_TEST(test_gz_members)
{
    tn_buf b;
    tn_buf_init(&b);
    CHECK(!tn_gz_is((const unsigned char *)"{\"a\"", 4));
    gz_member(&b, "one\n", 4);
    CHECK(tn_gz_is((const unsigned char *)b.data, b.len));
    gz_member(&b, "", 0);   /* an empty member between */
    gz_member(&b, "two\n", 4);
    check_reads(&b, "one\ntwo\n", "");
    tn_buf_free(&b);
}

TN_TEST(test_gz_cut)
{
    /* a long member cut in its middle: what came before the cut is kept */
    tn_buf plain, b;
    tn_buf_init(&plain);
    tn_buf_init(&b);
    for (int i = 0; i < 2000; i++)
        tn_buf_printf(&plain, "{\"n\":%d,\"r\":%u}\n", i, (unsigned)(i * 2654435761u));
    gz_member(&b, "first\n", 6);
    size_t first = b.len;
    gz_member(&b, plain.data, plain.len);
    size_t cut = first + (b.len - first) / 2;
    tn_gz *g = tn_gz_open_mem(b.data, cut);
    tn_buf out;
    tn_buf_init(&out);
    char tmp[4096];
    long got;
    int said = 0;
    while ((got = tn_gz_read(g, tmp, sizeof(tmp))) > 0 || got == TN_GZ_AGAIN) {
        size_t at;
        const char *why = tn_gz_problem(g, &at);
        if (why) {
            said++;
            char want[128];
            snprintf(want, sizeof(want), "gzip data ends at byte %zu of the file, inside a member", cut);
            CHECK(strstr(why, want) != NULL);
            CHECK_INT(at, got > 0 ? got : 0);   /* at the end of what this read gave */
        }
        if (got > 0)
            tn_buf_put(&out, tmp, (size_t)got);
    }
    CHECK_INT(got, 0);
    CHECK_INT(said, 1);
    CHECK(out.len > 6 + plain.len / 4 && out.len < plain.len);
    CHECK(memcmp(out.data, "first\n", 6) == 0);
    CHECK(memcmp(out.data + 6, plain.data, out.len - 6) == 0);
    tn_gz_close(g);
    tn_buf_free(&out);
    tn_buf_free(&plain);
    tn_buf_free(&b);
}

TN_TEST(test_gz_corrupt_member_then_good)
{
    /* a member whose deflate data is broken (a stored block's length and
     * its complement that disagree) costs that member only */
    tn_buf b;
    tn_buf_init(&b);
    gz_member(&b, "one\n", 4);
    size_t bad = b.len;
    /* header, then a final stored block: BFINAL=1 BTYPE=00, LEN=5, NLEN wrong */
    static const unsigned char broken[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x01, 5, 0, 0, 0,
                                           'x', 'x', 'x', 'x', 'x'};
    tn_buf_put(&b, broken, sizeof(broken));
    size_t next = b.len;
    gz_member(&b, "three\n", 6);
    char want[400];
    snprintf(want, sizeof(want),
             "@4:gzip data corrupt (invalid stored block lengths) at byte %zu of the file: %zu bytes "
             "skipped, to the next gzip member at byte %zu\n",
             bad + 15, next - bad - 15, next);
    check_reads(&b, "one\nthree\n", want);
    tn_buf_free(&b);
}

TN_TEST(test_gz_trailing_and_check)
{
    tn_buf b;
    tn_buf_init(&b);
    gz_member(&b, "one\n", 4);
    size_t end = b.len;
    tn_buf_puts(&b, "junk!");
    char want[300];
    snprintf(want, sizeof(want), "@4:data that is not gzip after a gzip member (a damaged header?) at byte %zu of the file: "
                                 "the rest of it (5 bytes) is not read\n", end);
    check_reads(&b, "one\n", want);

    /* a trailer whose CRC does not match: the data was given, and is said
     * to be maybe damaged */
    tn_buf c;
    tn_buf_init(&c);
    gz_member(&c, "two\n", 4);
    c.data[c.len - 8] ^= 1;   /* the CRC-32 */
    tn_gz *g = tn_gz_open_mem(c.data, c.len);
    char tmp[64];
    long got = tn_gz_read(g, tmp, sizeof(tmp)), got2;
    size_t at;
    const char *why = tn_gz_problem(g, &at);
    CHECK_INT(got, 4);
    CHECK(why && strstr(why, "fails its check (incorrect data check; its data was read, and may be damaged)"));
    CHECK_INT(at, 4);
    got2 = tn_gz_read(g, tmp, sizeof(tmp));
    CHECK_INT(got2, 0);
    tn_gz_close(g);
    tn_buf_free(&c);
    tn_buf_free(&b);
}

TN_TEST(test_gz_jsonl_and_auditd)
{
    /* the readers take gzip from memory as from files: the same events,
     * and damage said at the line it cuts into */
    tn_buf b;
    tn_buf_init(&b);
    const char *lines = "{\"EventID\":1,\"a\":\"x\"}\n{\"EventID\":2,\"a\":\"y\"}\n";
    gz_member(&b, lines, strlen(lines));
    gz_member(&b, "{\"EventID\":3,\"a\":\"z\"}\n", 22);
    tn_buf_puts(&b, "not gzip");
    tn_diag d = {.quiet = 1};
    tn_jsonl *r;
    CHECK_INT(tn_jsonl_open_mem(b.data, b.len, "t.json.gz", &d, &r), 0);
    tn_event ev;
    int n = 0, sum = 0;
    while (tn_jsonl_next(r, &ev) == TN_JSONL_EVENT) {
        n++;
        sum += (int)ev.event_id;
    }
    tn_jsonl_close(r);
    CHECK_INT(n, 3);
    CHECK_INT(sum, 6);
    CHECK_INT(d.count[TN_P_GZIP], 1);
    CHECK_INT(d.count[TN_P_JSON], 0);

    tn_buf a;
    tn_buf_init(&a);
    const char *au = "type=SYSCALL msg=audit(1700000000.123:7): syscall=59 success=yes exe=\"/bin/id\"\n";
    gz_member(&a, au, strlen(au));
    tn_diag d2 = {.quiet = 1};
    tn_auditd *ar;
    CHECK_INT(tn_auditd_open_mem(a.data, a.len, "audit.log.gz", &d2, &ar), 0);
    int k = 0;
    while (tn_auditd_next(ar, &ev) == TN_JSONL_EVENT)
        k++;
    tn_auditd_close(ar);
    CHECK_INT(k, 1);
    CHECK_INT(tn_diag_total(&d2), 0);
    tn_buf_free(&a);
    tn_buf_free(&b);
}

static void replay_one(const char *name, const unsigned char *data, size_t n, void *ctx)
{
    (void)ctx;
    if (gz_check(data, n)) {
        fprintf(stderr, "  %s\n", name);
        CHECK(!"the reads of tests/fuzz-regress/gz agree");
    }
}

/* Every input in tests/fuzz-regress/gz, as fuzz/fuzz_gz.c checks it. */
TN_TEST(test_gz_fuzz_regressions)
{
    CHECK(replay_each("tests/fuzz-regress/gz", replay_one, NULL) > 0);
}

/* Zero bytes after the last member are padding, as gzip(1) takes them: not
 * said (a review, session 28: 512 zeros made a problem and exit code 1). */
TN_TEST(test_gz_zero_padding)
{
    tn_buf b;
    tn_buf_init(&b);
    gz_member(&b, "one\n", 4);
    for (int i = 0; i < 512; i++)
        tn_buf_putc(&b, 0);
    check_reads(&b, "one\n", "");
    gz_member(&b, "two\n", 4);   /* zeros between members: on to the next */
    check_reads(&b, "one\ntwo\n", "");
    tn_buf_free(&b);
}

/* Damage near the end of a member (its data can decode past its end,
 * into the next header) costs that member only: the member after it is
 * read whole, found from a little before where the damage was noticed
 * (a review, session 28: some flips lost it), and the damaged member's
 * place in the output is given from its trailer (tn_gz_fix). */
TN_TEST(test_gz_damage_near_a_member_end)
{
    tn_buf a, bm, c, plain_b;
    tn_buf_init(&a);
    tn_buf_init(&bm);
    tn_buf_init(&c);
    tn_buf_init(&plain_b);
    for (int i = 0; i < 300; i++)
        tn_buf_printf(&plain_b, "{\"n\":%d,\"r\":%u}\n", i, (unsigned)(i * 2654435761u));
    gz_member(&a, "first member\n", 13);
    gz_member(&bm, plain_b.data, plain_b.len);
    gz_member(&c, "last member\n", 12);
    int lost = 0, placed = 0, tried = 0;
    for (size_t back = 9; back < 60 && back < bm.len; back++) {
        for (int bit = 0; bit < 8; bit += 3) {
            tn_buf f;
            tn_buf_init(&f);
            tn_buf_put(&f, a.data, a.len);
            size_t b0 = f.len;
            tn_buf_put(&f, bm.data, bm.len);
            f.data[b0 + bm.len - back] ^= (char)(1 << bit);
            tn_buf_put(&f, c.data, c.len);
            tn_buf out, probs;
            tn_buf_init(&out);
            tn_buf_init(&probs);
            read_all(f.data, f.len, 4096, &out, &probs);
            tried++;
            if (out.len < 12 || memcmp(out.data + out.len - 12, "last member\n", 12)) {
                lost++;
                fprintf(stderr, "  back %zu bit %d: %.*s", back, bit, (int)probs.len, probs.data);
            }
            /* where the fix puts the last member: right after the damaged one */
            tn_gz *g = tn_gz_open_mem(f.data, f.len);
            char tmp[65536];
            long got;
            uint64_t st, sz;
            while ((got = tn_gz_read(g, tmp, sizeof(tmp))) > 0 || got == TN_GZ_AGAIN)
                if (tn_gz_fix(g, &st, &sz))
                    placed += st == 13 && sz == plain_b.len;
            tn_gz_close(g);
            tn_buf_free(&out);
            tn_buf_free(&probs);
            tn_buf_free(&f);
        }
    }
    if (lost)
        fprintf(stderr, "  %d of %d flips lost the last member\n", lost, tried);
    CHECK_INT(lost, 0);
    CHECK(placed > 0);   /* at least one damaged member changed its size, and was placed */
    tn_buf_free(&a);
    tn_buf_free(&bm);
    tn_buf_free(&c);
    tn_buf_free(&plain_b);
}
