/* test_evtx_render.c - compiled JSON templates write the same bytes as the
 * generic walker: every record of real corpus files is rendered both ways
 * (from its signature's program, and again with no programs, which walks
 * the tree) and the two must be equal; and the differential fuzz target's
 * finds are replayed. */
#include "tn_test.h"

#include "read/bx_walk.h"
#include "read/evtx.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct both {
    long records, replayed, differ;
    tn_buf a, b;
} both;

static int render_both(void *arg, const tn_evtx_record *r)
{
    both *t = arg;
    tn_buf_clear(&t->a);
    tn_buf_clear(&t->b);
    uint32_t before = r->ctx->walk ? r->ctx->walk->nprogs : 0;
    if (bx_render_json(r->ctx, r->tree, &t->a))
        return 0;
    struct bx_walk *w = r->ctx->walk;
    t->replayed += w->nprogs == before; /* no program made: one was run */
    /* hide the programs: the second rendering walks the tree */
    struct jprog *saved[sizeof(w->progs) / sizeof(w->progs[0])];
    uint32_t n = w->nprogs;
    memcpy(saved, w->progs, sizeof(saved));
    memset(w->progs, 0, sizeof(w->progs));
    w->nprogs = 0;
    int rc = bx_render_json(r->ctx, r->tree, &t->b);
    memcpy(w->progs, saved, sizeof(saved));
    w->nprogs = n;
    t->records++;
    if (rc || t->a.len != t->b.len || memcmp(t->a.data, t->b.data, t->a.len)) {
        if (!t->differ)
            fprintf(stderr, "  record %llu:\n  program %.*s\n  walker  %.*s\n",
                    (unsigned long long)r->record_id, (int)t->a.len, t->a.data, (int)t->b.len, t->b.data);
        t->differ++;
    }
    return 0;
}

static long check_file(const char *rel, long *replayed)
{
    const char *corpus = getenv("CORPUS") ? getenv("CORPUS") : "../shared/corpus";
    char path[1024];
    snprintf(path, sizeof(path), "%s%s", corpus, rel);
    tn_diag d = {.quiet = 1};
    bx_chunk ctx;
    tn_evtx *f;
    both t = {0};
    if (bx_chunk_init(&ctx) || tn_evtx_open(path, &d, &f)) {
        bx_chunk_free(&ctx);
        return -1;
    }
    for (size_t i = 0; i < tn_evtx_nchunks(f); i++)
        tn_evtx_read_chunk(f, i, &ctx, 0, render_both, &t);
    tn_evtx_close(f);
    bx_chunk_free(&ctx);
    tn_buf_free(&t.a);
    tn_buf_free(&t.b);
    CHECK_INT(t.differ, 0);
    *replayed = t.replayed;
    return t.records;
}

TN_TEST(test_evtx_compiled_templates_match_walker)
{
    static const char *const files[] = {
        "/hayabusa-sample-evtx/DeepBlueCLI/smb-password-guessing-security.evtx",
        "/hayabusa-sample-evtx/DeepBlueCLI/many-events-application.evtx",
        "/hayabusa-sample-evtx/DeepBlueCLI/Powershell-Invoke-Obfuscation-many.evtx",
        "/evtx-attack-samples/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx",
        "/evtx-attack-samples/Credential Access/etw_rpc_zerologon.evtx",
        "/evtx-attack-samples/Other/rdpcorets_148_mst120_bluekeep_rpdscan_full.evtx",
    };
    long total = 0, replayed = 0;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        long rep = 0, n = check_file(files[i], &rep);
        CHECK(n > 0);
        total += n > 0 ? n : 0;
        replayed += rep;
    }
    CHECK(total > 1000);
    CHECK(replayed > total / 2); /* most records did run a program */
}

/* ---- finds of fuzz/fuzz_evtx_render_diff.c ---- */

static int diff_record(void *arg, const tn_evtx_record *r)
{
    both *t = arg;
    render_both(t, r); /* program (made or run) against walker */
    render_both(t, r); /* now the program runs, if the signature has one */
    return 0;
}

/* Replays one input with the fuzz target's framing: chunk bytes after a
 * file header, or a whole file. */
static void replay(bx_chunk *ctx, both *t, const char *path, const char *name)
{
    FILE *fp = fopen(path, "rb");
    static uint8_t data[1 << 20];
    size_t n = fp ? fread(data, 1, sizeof(data), fp) : 0;
    if (fp)
        fclose(fp);
    CHECK(n > 0);
    int whole_file = n >= 8 && !memcmp(data, "ElfFile", 7);
    size_t fsize = whole_file ? n : 4096 + n;
    uint8_t *file = calloc(1, fsize);
    CHECK(file != NULL);
    if (!file)
        return;
    if (whole_file) {
        memcpy(file, data, n);
    } else {
        memcpy(file, "ElfFile", 8);
        memcpy(file + 4096, data, n);
    }
    tn_diag d = {.quiet = 1};
    tn_evtx *f;
    if (tn_evtx_open_mem(file, fsize, name, &d, &f) == 0) {
        for (size_t i = 0; i < tn_evtx_nchunks(f); i++)
            tn_evtx_read_chunk(f, i, ctx, (int)(n & 1), diff_record, t);
        tn_evtx_close(f);
    }
    free(file);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every input in tests/fuzz-regress/evtx_render, in name order through one
 * parse context, as the fuzzer ran them one after another: a find may need
 * the state an earlier input left (stale-template-1-first, then -2-then:
 * a template offset of 0xFFFFFFFF once returned a template cached by the
 * previous chunk). */
TN_TEST(test_evtx_render_diff_fuzz_regressions)
{
    const char *dir = "tests/fuzz-regress/evtx_render";
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, by_name);
    CHECK(n > 0);
    bx_chunk ctx;
    CHECK_INT(bx_chunk_init(&ctx), 0);
    both t = {0};
    int files = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (name[0] != '.' && strcmp(name, "README.md")) {
            char path[512];
            snprintf(path, sizeof(path), "%s/%s", dir, name);
            replay(&ctx, &t, path, name);
            files++;
        }
        free(names[i]);
    }
    free(names);
    bx_chunk_free(&ctx);
    tn_buf_free(&t.a);
    tn_buf_free(&t.b);
    CHECK_INT(t.differ, 0);
    CHECK(files > 0);
}
