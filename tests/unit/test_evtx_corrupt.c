/* test_evtx_corrupt.c - bad input costs what it breaks and no more: each
 * case damages a real corpus file in memory and counts what is read. */
#include "tn_test.h"

#include "base/alloc.h"
#include "read/evtx.h"
#include "read/evtx_event.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#define SAMPLE "/hayabusa-sample-evtx/DeepBlueCLI/smb-password-guessing-security.evtx"
#define SAMPLE_RECORDS 3561

static uint8_t *load(const char *rel, size_t *size)
{
    const char *corpus = getenv("CORPUS") ? getenv("CORPUS") : "../shared/corpus";
    char path[1024];
    snprintf(path, sizeof(path), "%s%s", corpus, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return b;
}

static int count_cb(void *arg, const tn_evtx_record *r)
{
    tn_buf out;
    tn_buf_init(&out);
    int ok = bx_render_json(r->ctx, r->tree, &out) == 0;
    tn_buf_free(&out);
    tn_event ev;
    if (ok && tn_evtx_event(r, &ev) == 0)
        ++*(long *)arg;
    return 0;
}

static long count(const uint8_t *b, size_t n, int carve, tn_diag *d)
{
    bx_chunk ctx;
    tn_evtx *f;
    long total = 0;
    d->quiet = 1;
    if (bx_chunk_init(&ctx) || tn_evtx_open_mem(b, n, "test", d, &f))
        return -1;
    for (size_t i = 0; i < tn_evtx_nchunks(f); i++)
        tn_evtx_read_chunk(f, i, &ctx, carve, count_cb, &total);
    tn_evtx_close(f);
    bx_chunk_free(&ctx);
    return total;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static uint32_t get32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void fix_header_crc(uint8_t *b) { put32(b + 124, (uint32_t)crc32(0, b, 120)); }

static uint8_t *chunk(uint8_t *b, int i) { return b + 4096 + (size_t)i * 65536; }

/* Offset (in chunk) of the k-th record of chunk c. */
static uint32_t record_at(uint8_t *b, int c, int k)
{
    uint32_t pos = 512;
    for (int i = 0; i < k; i++)
        pos += get32(chunk(b, c) + pos + 4);
    return pos;
}

#define WITH_SAMPLE(b, n)                        \
    size_t n;                                    \
    uint8_t *b = load(SAMPLE, &n);               \
    CHECK(b != NULL);                            \
    if (!b)                                      \
        return

TN_TEST(test_evtx_clean_file_reads_all)
{
    WITH_SAMPLE(b, n);
    tn_diag d = {0};
    CHECK_INT(count(b, n, 0, &d), SAMPLE_RECORDS);
    CHECK_INT(tn_diag_total(&d), 0);
    free(b);
}

TN_TEST(test_evtx_bad_file_header_still_reads_chunks)
{
    WITH_SAMPLE(b, n);
    memset(b, 'X', 8);
    tn_diag d = {0};
    CHECK_INT(count(b, n, 0, &d), SAMPLE_RECORDS);
    CHECK_INT(d.count[TN_P_FILE_HEADER], 1);
    free(b);
}

TN_TEST(test_evtx_header_behind_chunks_and_dirty)
{
    WITH_SAMPLE(b, n);
    b[42] = 1; b[43] = 0;   /* header claims one chunk */
    b[120] |= 1;            /* dirty */
    fix_header_crc(b);
    tn_diag d = {0};
    CHECK_INT(count(b, n, 0, &d), SAMPLE_RECORDS);
    CHECK_INT(tn_diag_total(&d), 0);
    free(b);
}

TN_TEST(test_evtx_chunk_header_checksum_flagged_not_dropped)
{
    WITH_SAMPLE(b, n);
    chunk(b, 2)[124] ^= 0xff;
    tn_diag d = {0};
    CHECK_INT(count(b, n, 0, &d), SAMPLE_RECORDS);
    CHECK_INT(d.count[TN_P_CHUNK_CRC], 1);
    free(b);
}

TN_TEST(test_evtx_broken_record_costs_one_record)
{
    WITH_SAMPLE(b, n);
    uint32_t pos = record_at(b, 3, 5);
    chunk(b, 3)[pos] = 0; /* magic gone */
    tn_diag d = {0};
    CHECK_INT(count(b, n, 0, &d), SAMPLE_RECORDS - 1);
    CHECK_INT(d.count[TN_P_RECORD], 1);
    CHECK_INT(d.count[TN_P_CHUNK_CRC], 1);
    free(b);
}

TN_TEST(test_evtx_bad_binxml_costs_one_record)
{
    WITH_SAMPLE(b, n);
    uint32_t pos = record_at(b, 5, 7);
    chunk(b, 5)[pos + 24] = 0xee; /* unknown token where the fragment starts */
    tn_diag d = {0};
    CHECK_INT(count(b, n, 0, &d), SAMPLE_RECORDS - 1);
    CHECK_INT(d.count[TN_P_BINXML], 1);
    free(b);
}

TN_TEST(test_evtx_truncated_file_keeps_whole_records)
{
    WITH_SAMPLE(b, n);
    tn_diag d0 = {0};
    long ten = count(b, 4096 + 10 * 65536, 0, &d0);
    CHECK(ten > 1000);
    tn_diag d = {0};
    long got = count(b, 4096 + 10 * 65536 + 30000, 0, &d);
    CHECK(got > ten);               /* records wholly inside the stub */
    CHECK(got < ten + 107);         /* but not the cut ones */
    CHECK(d.count[TN_P_CHUNK_HEADER] == 1);
    free(b);
}

TN_TEST(test_evtx_destroyed_chunk_signature_carved)
{
    WITH_SAMPLE(b, n);
    memset(chunk(b, 4), 'Z', 8);
    tn_diag d = {0};
    long plain = count(b, n, 0, &d);
    CHECK(plain < SAMPLE_RECORDS);  /* that chunk is lost without --carve */
    CHECK_INT(d.count[TN_P_CHUNK_HEADER], 1);
    /* carving gets that chunk back: the same count as carving the clean
     * file (which also finds old records in unused space) */
    size_t n0;
    uint8_t *clean = load(SAMPLE, &n0);
    tn_diag d1 = {0}, d2 = {0};
    long carved_clean = count(clean, n0, 1, &d1);
    CHECK(carved_clean >= SAMPLE_RECORDS);
    CHECK_INT(count(b, n, 1, &d2), carved_clean);
    free(clean);
    free(b);
}

TN_TEST(test_evtx_slack_record_carved)
{
    WITH_SAMPLE(b, n);
    /* shrink chunk 0: its last record now lies in slack space */
    uint8_t *c = chunk(b, 0);
    uint32_t last = get32(c + 44);  /* last record's offset */
    put32(c + 48, last);
    put32(c + 52, (uint32_t)crc32(0, c + 512, last - 512));
    tn_diag d = {0};
    CHECK_INT(count(b, n, 0, &d), SAMPLE_RECORDS - 1);
    size_t n0;
    uint8_t *clean = load(SAMPLE, &n0);
    tn_diag d1 = {0}, d2 = {0};
    CHECK_INT(count(b, n, 1, &d2), count(clean, n0, 1, &d1));
    free(clean);
    free(b);
}

/* A record written as plain BinXML, no template instance:
 * <Event><System><EventID>4624</EventID><Channel>Security</Channel></System></Event> */
static size_t put_name(uint8_t *p, uint32_t at, const char *s)
{
    size_t l = strlen(s);
    put32(p, 0);
    p[4] = p[5] = 0;
    p[6] = (uint8_t)l; p[7] = 0;
    for (size_t i = 0; i < l; i++) {
        p[8 + 2 * i] = (uint8_t)s[i];
        p[9 + 2 * i] = 0;
    }
    p[8 + 2 * l] = p[9 + 2 * l] = 0;
    (void)at;
    return 10 + 2 * l;
}

static uint32_t open_elem(uint8_t *c, uint32_t pos, const char *name)
{
    c[pos] = 0x01;                 /* open start element */
    c[pos + 1] = c[pos + 2] = 0;   /* dependency id */
    put32(c + pos + 3, 0);         /* data size (informative) */
    put32(c + pos + 7, pos + 11);  /* name inline, right here */
    pos += 11;
    pos += (uint32_t)put_name(c + pos, pos, name);
    c[pos++] = 0x02;               /* close start element */
    return pos;
}

static uint32_t text(uint8_t *c, uint32_t pos, const char *s)
{
    size_t l = strlen(s);
    c[pos] = 0x05;
    c[pos + 1] = 0x01;
    c[pos + 2] = (uint8_t)l;
    c[pos + 3] = 0;
    for (size_t i = 0; i < l; i++) {
        c[pos + 4 + 2 * i] = (uint8_t)s[i];
        c[pos + 5 + 2 * i] = 0;
    }
    return pos + 4 + 2 * (uint32_t)l;
}

TN_TEST(test_evtx_plain_binxml_record_without_template)
{
    uint8_t *b = calloc(1, 4096 + 65536);
    memcpy(b, "ElfFile", 8);
    uint8_t *c = b + 4096;
    memcpy(c, "ElfChnk", 8);
    uint32_t pos = 512 + 24;
    c[pos] = 0x0f; c[pos + 1] = 1; c[pos + 2] = 1; c[pos + 3] = 0;
    pos += 4;
    pos = open_elem(c, pos, "Event");
    pos = open_elem(c, pos, "System");
    pos = open_elem(c, pos, "EventID");
    pos = text(c, pos, "4624");
    c[pos++] = 0x04;
    pos = open_elem(c, pos, "Channel");
    pos = text(c, pos, "Security");
    c[pos++] = 0x04;
    c[pos++] = 0x04; /* </System> */
    c[pos++] = 0x04; /* </Event> */
    c[pos++] = 0x00; /* end of stream */
    uint32_t size = (pos + 4 - 512 + 7) & ~7u;
    memcpy(c + 512, "\x2a\x2a\x00\x00", 4);
    put32(c + 512 + 4, size);
    c[512 + 8] = 9; /* record id 9 */
    put32(c + 512 + size - 4, size);
    put32(c + 48, 512 + size);
    put32(c + 44, 512);
    put32(c + 52, (uint32_t)crc32(0, c + 512, size));
    put32(c + 124, (uint32_t)crc32(crc32(0, c, 120), c + 128, 384));

    bx_chunk ctx;
    tn_evtx *f;
    tn_diag d = {.quiet = 1};
    CHECK(bx_chunk_init(&ctx) == 0);
    CHECK(tn_evtx_open_mem(b, 4096 + 65536, "plain", &d, &f) == 0);
    struct got { tn_buf json; uint32_t eid; char channel[32]; int n; } g = {0};
    tn_buf_init(&g.json);
    int cb(void *arg, const tn_evtx_record *r);
    tn_evtx_read_chunk(f, 0, &ctx, 0, cb, &g);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.json.data, "{\"Event\":{\"System\":{\"EventID\":\"4624\",\"Channel\":\"Security\"}}}");
    CHECK_INT(g.eid, 4624);
    CHECK_STR(g.channel, "Security");
    tn_buf_free(&g.json);
    tn_evtx_close(f);
    bx_chunk_free(&ctx);
    free(b);
}

int cb(void *arg, const tn_evtx_record *r)
{
    struct got { tn_buf json; uint32_t eid; char channel[32]; int n; } *g = arg;
    g->n++;
    bx_render_json(r->ctx, r->tree, &g->json);
    tn_event ev;
    if (tn_evtx_event(r, &ev) == 0) {
        g->eid = ev.event_id;
        snprintf(g->channel, sizeof(g->channel), "%s", ev.channel);
    }
    return 0;
}
