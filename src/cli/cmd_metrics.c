/* cmd_metrics.c - `tansa metrics`: event-ID, computer and logon summaries,
 * the first look a responder takes at a collection. */
#include "cli.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/map.h"
#include "read/input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char metrics_help[] =
    "Usage: tansa metrics eid|computer|logons [--format table|csv|jsonl] [-q] PATH...\n"
    "  eid       events per channel and EventID, with their share\n"
    "  computer  events per computer\n"
    "  logons    successful (4624) and failed (4625) logons per account,\n"
    "            source (IP or workstation), destination and logon type,\n"
    "            with first and last time\n\n" TN_EXIT_CODES_HELP;

enum { M_EID, M_COMPUTER, M_LOGONS };

typedef struct row {
    uint64_t n, first, last;
} row;

typedef struct metrics {
    int kind;
    tn_map keys;
    row *rows;
    size_t caprows;
    uint64_t total;
    tn_buf key;
    int oom;
    tn_cli_progress prog;
} metrics;

static void on_progress(void *arg, size_t index, uint64_t done)
{
    tn_cli_progress_at(&((metrics *)arg)->prog, index, done);
}

/* A row's key is its columns joined by tabs. A column's text is the logs':
 * a tab, backslash or NUL in it is written \t, \\ or \0, so that it cannot
 * make a column of its own (a TargetUserName "evil<TAB>1.2.3.4<TAB>dc01"
 * chose the source and destination shown, and a NUL cut the name and
 * merged accounts: a review, session 29). */
static void put_part(tn_buf *k, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' || c == '\t' || c == '\0') {
            tn_buf_putc(k, '\\');
            tn_buf_putc(k, c == '\t' ? 't' : c == '\0' ? '0' : '\\');
        } else {
            tn_buf_putc(k, c);
        }
    }
}

/* The field's value as a column, or "-". */
static void put_field(tn_buf *k, const tn_event *ev, const char *name)
{
    const tn_field *f = tn_event_field(ev, name, strlen(name));
    if (f && !f->is_null && f->value_len)
        put_part(k, f->value, f->value_len);
    else
        tn_buf_putc(k, '-');
}

/* A column of a key, p[0..l), as the logs wrote it, into out. */
static void get_part(tn_buf *out, const char *p, size_t l)
{
    tn_buf_clear(out);
    for (size_t i = 0; i < l; i++) {
        char c = p[i];
        if (c == '\\' && i + 1 < l) {
            c = p[++i];
            c = c == 't' ? '\t' : c == '0' ? '\0' : c;
        }
        tn_buf_putc(out, c);
    }
}

static int is_dash(const tn_field *f)
{
    return !f || f->is_null || !f->value_len || (f->value_len == 1 && f->value[0] == '-');
}

static int on_event(void *arg, int worker, uint32_t file, const tn_event *ev)
{
    metrics *m = arg;
    (void)worker;
    (void)file;
    tn_buf *k = &m->key;
    tn_buf_clear(k);
    m->total++;
    if (m->kind == M_EID) {
        put_part(k, ev->channel, strlen(ev->channel));
        tn_buf_putc(k, '\t');
        tn_buf_u64(k, ev->event_id);
    } else if (m->kind == M_COMPUTER) {
        put_part(k, ev->computer, strlen(ev->computer));
    } else {
        if (ev->event_id != 4624 && ev->event_id != 4625)
            return 0;
        tn_buf_puts(k, ev->event_id == 4624 ? "success\t" : "failure\t");
        put_field(k, ev, "TargetDomainName");
        tn_buf_puts(k, "\\\\");   /* DOMAIN\USER: the backslash is the column's */
        put_field(k, ev, "TargetUserName");
        tn_buf_putc(k, '\t');
        const tn_field *ip = tn_event_field(ev, "IpAddress", 9);
        put_field(k, ev, is_dash(ip) ? "WorkstationName" : "IpAddress");
        tn_buf_putc(k, '\t');
        put_part(k, ev->computer, strlen(ev->computer));
        tn_buf_putc(k, '\t');
        put_field(k, ev, "LogonType");
    }
    int added;
    long id = tn_map_put(&m->keys, k->data ? k->data : "", k->len, &added);
    if (id < 0 || !tn_buf_ok(k))
        return m->oom = TN_EXIT_INTERNAL;
    if ((size_t)id >= m->caprows) {
        size_t cap = m->caprows ? m->caprows * 2 : 256;
        row *r = tn_realloc(m->rows, cap * sizeof(*r));
        if (!r)
            return m->oom = TN_EXIT_INTERNAL;
        m->rows = r;
        m->caprows = cap;
    }
    row *r = &m->rows[id];
    if (added)
        *r = (row){0, ev->time, ev->time};
    r->n++;
    if (ev->time && (!r->first || ev->time < r->first))
        r->first = ev->time;
    if (ev->time > r->last)
        r->last = ev->time;
    return 0;
}

static metrics *sort_ctx;

static int by_count(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const row *rx = &sort_ctx->rows[x], *ry = &sort_ctx->rows[y];
    if (rx->n != ry->n)
        return rx->n > ry->n ? -1 : 1;
    return strcmp(tn_map_key(&sort_ctx->keys, x), tn_map_key(&sort_ctx->keys, y));
}

static const char *const cols[][7] = {
    {"channel", "event_id", NULL},
    {"computer", NULL},
    {"result", "account", "source", "destination", "logon_type", NULL},
};

static void print(metrics *m, int format)
{
    uint32_t n = m->keys.count;
    uint32_t *ord = tn_malloc((n ? n : 1) * sizeof(*ord));
    if (!ord)
        return;
    for (uint32_t i = 0; i < n; i++)
        ord[i] = i;
    sort_ctx = m;
    if (n)
        qsort(ord, n, sizeof(*ord), by_count);
    const char *const *c = cols[m->kind];
    if (format != 2) {
        for (int i = 0; c[i]; i++)
            printf("%s%s", c[i], format == 1 ? "," : "\t");
        printf(m->kind == M_LOGONS ? "count%sfirst%slast\n" : "count%sshare\n", format == 1 ? "," : "\t",
               format == 1 ? "," : "\t");
    }
    tn_buf b, part;
    tn_buf_init(&b);
    tn_buf_init(&part);
    for (uint32_t j = 0; j < n; j++) {
        uint32_t i = ord[j];
        const row *r = &m->rows[i];
        const char *key = tn_map_key(&m->keys, i);
        char t1[32] = "", t2[32] = "";
        if (r->first)
            tn_filetime_format(r->first, t1);
        if (r->last)
            tn_filetime_format(r->last, t2);
        tn_buf_clear(&b);
        if (format == 2) {
            tn_buf_putc(&b, '{');
            const char *p = key;
            for (int k = 0; c[k]; k++) {
                const char *e = strchr(p, '\t');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                get_part(&part, p, l);
                const char *v = part.data ? part.data : "";
                tn_buf_json_str(&b, c[k], strlen(c[k]));
                tn_buf_putc(&b, ':');
                /* numbers as numbers, as hunt writes event_id */
                int num = (!strcmp(c[k], "event_id") || !strcmp(c[k], "logon_type")) && part.len &&
                          part.len < 11 && strspn(v, "0123456789") >= part.len && (v[0] != '0' || part.len == 1);
                if (num)
                    tn_buf_put(&b, v, part.len);
                else
                    tn_buf_json_str(&b, v, part.len);
                tn_buf_putc(&b, ',');
                p = e ? e + 1 : p + l;
            }
            tn_buf_printf(&b, "\"count\":%llu", (unsigned long long)r->n);
            if (m->kind == M_LOGONS)
                tn_buf_printf(&b, ",\"first\":\"%s\",\"last\":\"%s\"", t1, t2);
            else   /* the table's share, in percent */
                tn_buf_printf(&b, ",\"share\":%.2f", m->total ? 100.0 * r->n / m->total : 0.0);
            tn_buf_puts(&b, "}\n");
        } else {
            /* the key's parts are the logs' text: a CSV cell each (quoted,
             * formula-guarded), or escaped for the terminal (tn_buf_safe) */
            for (const char *p = key;;) {
                const char *e = strchr(p, '\t');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                get_part(&part, p, l);
                if (format == 1)
                    tn_buf_csv(&b, part.data ? part.data : "", part.len);
                else
                    tn_buf_safe(&b, part.data ? part.data : "", part.len);
                if (!e)
                    break;
                tn_buf_putc(&b, format == 1 ? ',' : '\t');
                p = e + 1;
            }
            const char *sep = format == 1 ? "," : "\t";
            if (m->kind == M_LOGONS)
                tn_buf_printf(&b, "%s%llu%s%s%s%s\n", sep, (unsigned long long)r->n, sep, t1, sep, t2);
            else
                tn_buf_printf(&b, "%s%llu%s%.2f%%\n", sep, (unsigned long long)r->n, sep,
                              m->total ? 100.0 * r->n / m->total : 0.0);
        }
        fwrite(b.data, 1, b.len, stdout);
    }
    tn_buf_free(&b);
    tn_buf_free(&part);
    tn_free(ord);
}

int tn_cmd_metrics(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(metrics_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? TN_EXIT_USAGE : TN_EXIT_OK;
    }
    metrics m = {0};
    if (!strcmp(argv[1], "eid"))
        m.kind = M_EID;
    else if (!strcmp(argv[1], "computer"))
        m.kind = M_COMPUTER;
    else if (!strcmp(argv[1], "logons"))
        m.kind = M_LOGONS;
    else
        return tn_usage_error("metrics", "unknown metric '%s'", argv[1]);
    for (int i = 2; i < argc; i++)   /* `metrics eid --help` too */
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(metrics_help, stdout);
            return TN_EXIT_OK;
        }
    int format = 0, quiet = 0;
    const char **paths = tn_calloc((size_t)argc, sizeof(char *));
    size_t np = 0;
    if (!paths)
        return TN_EXIT_INTERNAL;
    for (int i = 2; i < argc; i++) {
        if ((!strcmp(argv[i], "-f") || !strcmp(argv[i], "--format")) && i + 1 < argc) {
            const char *v = argv[++i];
            format = !strcmp(v, "csv") ? 1 : !strcmp(v, "jsonl") ? 2 : !strcmp(v, "table") ? 0 : -1;
            if (format < 0) {
                tn_free(paths);
                return tn_usage_error("metrics", "unknown format '%s'", v);
            }
        } else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            tn_free(paths);
            return tn_usage_error("metrics", "unknown option '%s'", argv[i]);
        } else {
            paths[np++] = argv[i];
        }
    }
    if (!np) {
        tn_free(paths);
        return tn_usage_error("metrics", "no input path");
    }
    tn_diag d = {.quiet = quiet};
    tn_inputs in = {0};
    tn_map_init(&m.keys);
    tn_buf_init(&m.key);
    int rc = tn_inputs_collect(&in, paths, np, &d) ? TN_EXIT_INTERNAL : 0;
    if (!rc && !in.n)
        rc = tn_cli_input_rc("metrics", 0, 0, 0);   /* no table from no logs at all */
    if (!rc) {
        tn_cli_progress_init(&m.prog, "metrics", &in, quiet);
        rc = tn_inputs_scan(&in, 1, 0, &d, on_event, on_progress, &m);
        tn_cli_progress_end(&m.prog);
    }
    if (!rc)
        print(&m, format);
    if (!rc && (fflush(stdout) || ferror(stdout))) {   /* a table that did not arrive */
        fprintf(stderr, "tansa metrics: cannot write the output: %s\n", strerror(errno));
        rc = TN_EXIT_INTERNAL;
    }
    tn_diag_summary(&d);
    if (!rc)
        rc = tn_cli_input_rc("metrics", in.n, m.total, tn_diag_total(&d));
    tn_inputs_free(&in);
    tn_map_free(&m.keys);
    tn_buf_free(&m.key);
    tn_free(m.rows);
    tn_free(paths);
    return rc;
}
