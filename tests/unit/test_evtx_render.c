/* test_evtx_render.c - compiled JSON templates write the same bytes as the
 * generic walker: every record of real corpus files is rendered both ways
 * (from its signature's program, and again with no programs, which walks
 * the tree) and the two must be equal; whole files rendered with a tiny
 * program cache, which resets again and again, equal the normal output;
 * and the differential fuzz target's finds are replayed. */
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

/* ---- the reset path: a program cache too small for one file ---- */

typedef struct whole {
    tn_buf out;          /* every record's JSON, one per line */
    uint32_t last;       /* programs held after the previous record */
    long compiled, resets;
} whole;

static int render_line(void *arg, const tn_evtx_record *r)
{
    whole *t = arg;
    size_t mark = t->out.len;
    if (bx_render_json(r->ctx, r->tree, &t->out)) {
        t->out.len = mark;
        tn_buf_puts(&t->out, "(skipped)");
    }
    tn_buf_putc(&t->out, '\n');
    uint32_t n = r->ctx->walk ? r->ctx->walk->nprogs : 0;
    t->compiled += n > t->last;
    t->resets += n < t->last; /* programs only go away all at once */
    t->last = n;
    return 0;
}

/* Renders a corpus file with the program cache bound to keep bytes (one
 * thread's scratch, as dump has it) into t. -1 if it cannot be read. */
static int render_file(const char *rel, size_t keep, whole *t)
{
    const char *corpus = getenv("CORPUS") ? getenv("CORPUS") : "../shared/corpus";
    char path[1024];
    snprintf(path, sizeof(path), "%s%s", corpus, rel);
    tn_diag d = {.quiet = 1};
    bx_chunk ctx;
    tn_evtx *f;
    size_t old = bx_json_keep_max(keep);
    int rc = -1;
    if (!bx_chunk_init(&ctx) && !tn_evtx_open(path, &d, &f)) {
        for (size_t i = 0; i < tn_evtx_nchunks(f); i++)
            tn_evtx_read_chunk(f, i, &ctx, 0, render_line, t);
        tn_evtx_close(f);
        rc = tn_buf_ok(&t->out) ? 0 : -1;
    }
    bx_chunk_free(&ctx);
    bx_json_keep_max(old);
    return rc;
}

TN_TEST(test_evtx_tiny_program_cache_resets_same_bytes)
{
    static const char *const files[] = {
        "/hayabusa-sample-evtx/DeepBlueCLI/smb-password-guessing-security.evtx",
        "/hayabusa-sample-evtx/DeepBlueCLI/Powershell-Invoke-Obfuscation-many.evtx",
        "/evtx-attack-samples/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx",
        "/evtx-attack-samples/Other/rdpcorets_148_mst120_bluekeep_rpdscan_full.evtx",
    };
    /* 0: the default bound; 1: nothing fits, every record walks the tree */
    static const size_t caps[] = {0, 1, 16 << 10, 4 << 10};
    long resets[4] = {0}, compiled[4] = {0};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        whole t[4];
        for (int k = 0; k < 4; k++) {
            memset(&t[k], 0, sizeof(t[k]));
            tn_buf_init(&t[k].out);
            CHECK_INT(render_file(files[i], caps[k], &t[k]), 0);
            resets[k] += t[k].resets;
            compiled[k] += t[k].compiled;
        }
        CHECK(t[0].out.len > 100000);
        for (int k = 1; k < 4; k++) {
            int same = t[k].out.len == t[0].out.len && !memcmp(t[k].out.data, t[0].out.data, t[0].out.len);
            if (!same)
                fprintf(stderr, "  %s: cache bound %zu differs from the default\n", files[i], caps[k]);
            CHECK(same);
        }
        for (int k = 0; k < 4; k++)
            tn_buf_free(&t[k].out);
    }
    CHECK(compiled[0] > 0);
    CHECK_INT(resets[0], 0);   /* these files fit in 8 MiB */
    CHECK_INT(compiled[1], 0); /* bound 1: the walker's bytes */
    CHECK(compiled[2] > 0 && resets[2] > 0);
    CHECK(compiled[3] > 0 && resets[3] > 0);
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
