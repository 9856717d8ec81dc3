/* test_gen_evtx.c - the EVTX writer: hashes, SIDs, schemas, a file that reads back. */
#include "tn_test.h"

#include "gen/evtx_emit.h"
#include "gen/evtx_write.h"
#include "gen/schema.h"

#include <stdlib.h>
#include <unistd.h>

TN_TEST(name_hash_matches_windows)
{
    /* Hashes read from string tables of chunks Windows wrote. */
    CHECK_INT(tn_evtx_name_hash("Event") & 0xffff, 0x0cba);
    CHECK_INT(tn_evtx_name_hash("System") & 0xffff, 0x546f);
    CHECK_INT(tn_evtx_name_hash("Provider") & 0xffff, 0x7bf1);
}

TN_TEST(sid_encodes)
{
    uint8_t b[68];
    CHECK_INT(tn_sid_encode("S-1-5-18", b), 12);
    CHECK_INT(b[0], 1);
    CHECK_INT(b[1], 1);
    CHECK_INT(b[7], 5);
    CHECK_INT(b[8], 18);
    CHECK_INT(tn_sid_encode("S-1-5-21-1-2-3-500", b), 28);
    CHECK_INT(tn_sid_encode("bad", b), 0);
}

TN_TEST(schemas_are_complete)
{
    const tn_gen_schema *all[] = {&tn_sc_4608, &tn_sc_4624, &tn_sc_4625, &tn_sc_4634,
        &tn_sc_4647, &tn_sc_4648, &tn_sc_4663, &tn_sc_4672, &tn_sc_4698, &tn_sc_4768,
        &tn_sc_4769, &tn_sc_4776, &tn_sc_5140, &tn_sc_5145, &tn_sc_1102, &tn_sc_104,
        &tn_sc_7036, &tn_sc_7045, &tn_sc_sysmon1, &tn_sc_sysmon3, &tn_sc_sysmon10};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        for (int f = 0; f < TN_GEN_MAXF; f++) {
            CHECK((f < all[i]->nfields) == (all[i]->names[f] != NULL));
            CHECK((f < all[i]->nfields) == (all[i]->types[f] != 0));
        }
}

TN_TEST(writer_fills_chunks)
{
    char path[] = "/tmp/tn_evtx_testXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    tn_evtx_writer w;
    CHECK_INT(tn_evtxw_open(&w, path, "PC01.corp.example"), 0);
    tn_gen_event e = {0};
    e.sc = &tn_sc_4672;
    e.time = 132000000000000000ull;
    e.v[0].s = "S-1-5-21-1-2-3-1108";
    e.v[1].s = "admin01";
    e.v[2].s = "CORP";
    e.v[3].u = 0x14871d;
    e.v[4].s = "SeSecurityPrivilege";
    uint64_t id = 0;
    for (int i = 0; i < 1000; i++)
        CHECK_INT(tn_evtx_append(&w, &e, &id), 0);
    CHECK_INT(id, 1000);
    CHECK(w.nchunks > 1);
    CHECK_INT(tn_evtxw_close(&w), 0);
    unlink(path);
}

/* Reads a little-endian field of a file written by the writer. */
static uint64_t rd_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

TN_TEST(writer_parks_and_skips_ids)
{
    char path[] = "/tmp/tn_evtx_parkXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    tn_evtx_writer w;
    CHECK_INT(tn_evtxw_open(&w, path, "HQ-FS01.corp.example"), 0);
    tn_gen_event e = {0};
    e.sc = &tn_sc_4608;
    e.time = 132000000000000000ull;
    uint64_t id = 0;
    for (int i = 0; i < 10; i++) {
        CHECK_INT(tn_evtx_append(&w, &e, &id), 0);
        CHECK_INT(tn_evtx_park(&w), 0);     /* every record goes through disk */
        CHECK(w.chunk == NULL && w.fd == -1);
    }
    CHECK_INT(tn_evtx_skip_ids(&w, 100), 0);
    CHECK_INT(tn_evtx_append(&w, &e, &id), 0);
    CHECK_INT(id, 111);
    CHECK_INT(tn_evtxw_close(&w), 0);
    unsigned char h[4096 + 512];
    FILE *f = fopen(path, "rb");
    CHECK(f && fread(h, 1, sizeof(h), f) == sizeof(h));
    if (f)
        fclose(f);
    CHECK_INT(rd_le(h + 24, 8), 112);        /* next record id */
    CHECK_INT(rd_le(h + 42, 2), 2);          /* chunks: ids jump only between chunks */
    CHECK_INT(rd_le(h + 4096 + 8, 8), 1);    /* first chunk: records 1..10 */
    CHECK_INT(rd_le(h + 4096 + 16, 8), 10);
    unlink(path);
}
