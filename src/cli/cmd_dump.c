/* cmd_dump.c - `tansa dump`: EVTX records as JSON Lines or XML.
 *
 * Each chunk is rendered into its own buffer on a worker; the finished
 * buffers are written in file order straight to the output descriptor,
 * one write(2) per chunk (stdio would copy every byte once more: 5.8% of
 * dump's instructions, callgrind). */
#include "cli.h"

#include "base/alloc.h"
#include "base/diag.h"
#include "base/file.h"
#include "base/par.h"
#include "read/event_json.h"
#include "read/evtx.h"
#include "read/evtx_event.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char dump_help[] =
    "Usage: tansa dump [OPTIONS] FILE...\n"
    "Print every record of EVTX files, one per line as JSON (the shape of\n"
    "evtx_dump -o json), or as XML. FILE '-' reads standard input; a\n"
    "gzip-compressed FILE is decompressed to $TMPDIR first.\n\n"
    "Options:\n"
    "  -f, --format jsonl|xml|event\n"
    "                           jsonl: evtx_dump's JSON shape (default);\n"
    "                           xml: the record's XML; event: the normalised\n"
    "                           event that rules see, as flat JSON\n"
    "  -o, --output FILE        write there instead of standard output ('-': it)\n"
    "  -t, --threads N          parse chunks on N threads (default 1)\n"
    "      --carve              also recover records from chunk slack and\n"
    "                           from space that is not a valid chunk\n"
    "  -q, --quiet              count problems without printing each one\n"
    "  -h, --help               this text\n\n"
    "Problems (bad header, checksum, record) go to stderr with file, chunk\n"
    "and offset; a summary closes the run.\n\n" TN_EXIT_CODES_HELP;

enum { FMT_JSONL, FMT_XML, FMT_EVENT };

/* Where the records go. */
typedef struct dump_out {
    int fd;
    const char *name;   /* for messages: the -o path or "standard output" */
} dump_out;

typedef struct dump_ctx {
    tn_evtx *f;
    bx_chunk *ctxs;     /* one per worker */
    int format;         /* FMT_* */
    int carve;
    int failed;         /* a render failed (reported) */
    tn_diag *diag;
    const dump_out *out;
    uint64_t records;   /* written, over the workers (atomic) */
} dump_ctx;

typedef struct rec_arg {
    dump_ctx *d;
    tn_buf *out;
    uint64_t records;
} rec_arg;

static int on_record(void *va, const tn_evtx_record *r)
{
    rec_arg *a = va;
    size_t mark = a->out->len;
    int rc;
    if (a->d->format == FMT_EVENT) {
        tn_event ev;
        rc = tn_evtx_event(r, &ev);
        if (!rc)
            tn_event_json(&ev, a->out);
    } else if (a->d->format == FMT_XML) {
        rc = bx_render_xml(r->ctx, r->tree, a->out);
    } else {
        rc = bx_render_json(r->ctx, r->tree, a->out);
    }
    if (rc) {
        a->out->len = mark;
        char where[80];
        snprintf(where, sizeof(where), "record %llu at offset 0x%llx", (unsigned long long)r->record_id,
                 (unsigned long long)r->offset);
        tn_report(a->d->diag, TN_P_BINXML, tn_evtx_path(a->d->f), where, "%s; record skipped",
                  r->ctx->error ? r->ctx->error : "cannot render");
        return 0;
    }
    if (a->d->format != FMT_XML)
        tn_buf_putc(a->out, '\n');
    a->records++;
    return 0;
}

static int work(void *va, size_t task, int worker, tn_buf *out)
{
    dump_ctx *d = va;
    rec_arg a = {d, out, 0};
    tn_evtx_read_chunk(d->f, task, &d->ctxs[worker], d->carve, on_record, &a);
    __atomic_fetch_add(&d->records, a.records, __ATOMIC_RELAXED);
    return tn_buf_ok(out) ? 0 : TN_EXIT_INTERNAL;
}

static int emit(void *va, size_t task, tn_buf *out)
{
    const dump_ctx *d = va;
    (void)task;
    if (!out->len || !tn_write_all(d->out->fd, out->data, out->len))
        return 0;
    fprintf(stderr, "tansa dump: %s: write failed: %s\n", d->out->name, strerror(errno));
    return TN_EXIT_INTERNAL;
}

/* Opens path for -o (created, or truncated), or takes standard output. */
static int out_open(const char *path, dump_out *o)
{
    if (tn_cli_is_stdout(path)) {
        *o = (dump_out){STDOUT_FILENO, "standard output"};
        return 0;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        fprintf(stderr, "tansa dump: %s: cannot open for writing: %s\n", path, strerror(errno));
        return TN_EXIT_USAGE;
    }
    *o = (dump_out){fd, path};
    return 0;
}

/* Closes a -o file; a failed close (NFS, quota) is a failed write. */
static int out_close(const dump_out *o, int rc)
{
    if (o->fd == STDOUT_FILENO)
        return rc;
    if (close(o->fd) && !rc) {
        fprintf(stderr, "tansa dump: %s: write failed: %s\n", o->name, strerror(errno));
        return TN_EXIT_INTERNAL;
    }
    return rc;
}

int tn_cmd_dump(int argc, char **argv)
{
    int format = FMT_JSONL, threads = 1, carve = 0, quiet = 0, nfiles = 0;
    const char *output = NULL;
    char **files = tn_calloc((size_t)argc, sizeof(char *));
    if (!files)
        return TN_EXIT_INTERNAL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(dump_help, stdout);
            tn_free(files);
            return TN_EXIT_OK;
        } else if ((!strcmp(a, "-f") || !strcmp(a, "--format")) && i + 1 < argc) {
            a = argv[++i];
            if (!strcmp(a, "xml"))
                format = FMT_XML;
            else if (!strcmp(a, "event"))
                format = FMT_EVENT;
            else if (strcmp(a, "jsonl") && strcmp(a, "json")) {
                tn_free(files);
                return tn_usage_error("dump", "unknown format '%s'", a);
            }
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            output = argv[++i];
        } else if ((!strcmp(a, "-t") || !strcmp(a, "--threads")) && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 256) {
                tn_free(files);
                return tn_usage_error("dump", "bad thread count '%s'", argv[i]);
            }
            threads = (int)n;
        } else if (!strcmp(a, "--carve")) {
            carve = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            tn_free(files);
            return tn_usage_error("dump", "unknown option '%s'", a);
        } else {
            files[nfiles++] = argv[i];
        }
    }
    if (!nfiles) {
        tn_free(files);
        return tn_usage_error("dump", "no input file");
    }
    dump_out out;
    int orc = out_open(output, &out);
    if (orc) {
        tn_free(files);
        return orc;
    }
    tn_diag diag = {.quiet = quiet};
    bx_chunk *ctxs = tn_calloc((size_t)threads, sizeof(bx_chunk));
    int rc = ctxs ? 0 : TN_EXIT_INTERNAL, opened = 0;
    uint64_t records = 0;
    for (int t = 0; t < threads && !rc; t++)
        if (bx_chunk_init(&ctxs[t]))
            rc = TN_EXIT_INTERNAL;
    for (int i = 0; i < nfiles && !rc; i++) {
        dump_ctx d = {.ctxs = ctxs, .format = format, .carve = carve, .diag = &diag, .out = &out};
        if (tn_evtx_open(files[i], &diag, &d.f))
            continue;
        opened++;
        rc = tn_par_run(threads, tn_evtx_nchunks(d.f), work, emit, &d);
        records += d.records;
        tn_evtx_close(d.f);
    }
    rc = out_close(&out, rc);
    for (int t = 0; ctxs && t < threads; t++)
        bx_chunk_free(&ctxs[t]);
    tn_free(ctxs);
    tn_free(files);
    tn_diag_summary(&diag);
    if (rc)
        return rc;
    /* each file that could not be opened was said; a file, not a folder
     * of files, so no "no input in the paths" */
    if (!opened)
        return TN_EXIT_NOINPUT;
    return tn_cli_input_rc("dump", (size_t)opened, records, tn_diag_total(&diag));
}
