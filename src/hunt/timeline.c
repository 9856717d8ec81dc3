/* timeline.c - ordering and printing of detections. */
#include "timeline.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "read/event.h"

#include <stdlib.h>
#include <string.h>

static int det_cmp(const void *a, const void *b)
{
    const tn_det *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->is_corr != y->is_corr)
        return x->is_corr - y->is_corr;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

void tn_timeline_sort(tn_dets *ds) { qsort(ds->v, ds->n, sizeof(tn_det), det_cmp); }

static void rule_of(const tn_ruleset *rs, const tn_det *d, tn_rule_info *ri)
{
    if (d->is_corr)
        tn_ruleset_corr_info(rs, d->rule, ri);
    else
        tn_ruleset_info(rs, d->rule, ri);
}

static void csv_field(tn_buf *b, const char *s)
{
    tn_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            tn_buf_putc(b, '"');
        tn_buf_putc(b, *s);
    }
    tn_buf_putc(b, '"');
}

/* details {"k":"v",...} as "k: v ¦ k: v" for table and CSV */
static void details_text(tn_buf *b, const char *json)
{
    int in_str = 0, key = 1;
    for (const char *p = json; *p; p++) {
        char c = *p;
        if (in_str) {
            if (c == '\\' && p[1]) {
                p++;
                tn_buf_putc(b, *p == 'n' ? ' ' : *p == 't' ? ' ' : *p == 'r' ? ' ' : *p);
                continue;
            }
            if (c == '"') {
                in_str = 0;
                continue;
            }
            tn_buf_putc(b, c);
            continue;
        }
        if (c == '"')
            in_str = 1;
        else if (c == ':' && key) {
            tn_buf_puts(b, ": ");
            key = 0;
        } else if (c == ',') {
            tn_buf_puts(b, " \xC2\xA6 ");
            key = 1;
        } else if (c != '{' && c != '}') {
            tn_buf_putc(b, c);
        }
    }
}

static const char *const level_colour[] = {"", "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[1;31m"};

int tn_timeline_print(const tn_dets *ds, const tn_ruleset *rs, const tn_inputs *in, int format,
                      int colour, FILE *out)
{
    tn_buf b;
    tn_buf_init(&b);
    if (format == TN_OUT_CSV)
        tn_buf_puts(&b, "timestamp,computer,channel,event_id,record_id,level,rule_title,rule_id,tags,details,file\n");
    for (size_t i = 0; i < ds->n; i++) {
        const tn_det *d = &ds->v[i];
        tn_rule_info ri;
        rule_of(rs, d, &ri);
        char ts[32];
        tn_filetime_format(d->time, ts);
        const char *file = in->v[d->file].path;
        if (format == TN_OUT_JSONL) {
            tn_buf_puts(&b, "{\"timestamp\":\"");
            tn_buf_puts(&b, ts);
            tn_buf_puts(&b, "\",\"computer\":");
            tn_buf_json_str(&b, d->computer, strlen(d->computer));
            tn_buf_puts(&b, ",\"channel\":");
            tn_buf_json_str(&b, d->channel, strlen(d->channel));
            tn_buf_puts(&b, ",\"event_id\":");
            tn_buf_u64(&b, d->event_id);
            tn_buf_puts(&b, ",\"record_id\":");
            tn_buf_u64(&b, d->record_id);
            tn_buf_puts(&b, ",\"level\":\"");
            tn_buf_puts(&b, tn_level_name(d->level));
            tn_buf_puts(&b, "\",\"rule_id\":");
            tn_buf_json_str(&b, ri.id, strlen(ri.id));
            tn_buf_puts(&b, ",\"rule_title\":");
            tn_buf_json_str(&b, ri.title, strlen(ri.title));
            tn_buf_puts(&b, ",\"tags\":[");
            for (uint32_t t = 0; t < ri.ntags; t++) {
                if (t)
                    tn_buf_putc(&b, ',');
                tn_buf_json_str(&b, ri.tags[t], strlen(ri.tags[t]));
            }
            tn_buf_puts(&b, "],\"details\":");
            tn_buf_puts(&b, d->details);
            tn_buf_puts(&b, ",\"file\":");
            tn_buf_json_str(&b, file, strlen(file));
            tn_buf_puts(&b, "}\n");
        } else if (format == TN_OUT_CSV) {
            tn_buf_printf(&b, "%s,", ts);
            csv_field(&b, d->computer);
            tn_buf_putc(&b, ',');
            csv_field(&b, d->channel);
            tn_buf_printf(&b, ",%u,%llu,%s,", d->event_id, (unsigned long long)d->record_id,
                          tn_level_name(d->level));
            csv_field(&b, ri.title);
            tn_buf_putc(&b, ',');
            csv_field(&b, ri.id);
            tn_buf_putc(&b, ',');
            tn_buf t;
            tn_buf_init(&t);
            for (uint32_t k = 0; k < ri.ntags; k++) {
                if (k)
                    tn_buf_putc(&t, ' ');
                tn_buf_puts(&t, ri.tags[k]);
            }
            csv_field(&b, t.data ? t.data : "");
            tn_buf_clear(&t);
            details_text(&t, d->details);
            tn_buf_putc(&b, ',');
            csv_field(&b, t.data ? t.data : "");
            tn_buf_free(&t);
            tn_buf_putc(&b, ',');
            csv_field(&b, file);
            tn_buf_putc(&b, '\n');
        } else {
            ts[19] = '\0'; /* seconds are enough on screen */
            ts[10] = ' ';
            tn_buf_printf(&b, "%s  %-15.15s %s%-8.8s%s  %5u  %s", ts, d->computer,
                          colour ? level_colour[d->level] : "", tn_level_name(d->level) + 0,
                          colour && d->level ? "\x1b[0m" : "", d->event_id, ri.title);
            tn_buf_puts(&b, "  | ");
            details_text(&b, d->details);
            tn_buf_putc(&b, '\n');
        }
        if (b.len > (1 << 16)) {
            if (tn_buf_write(&b, out))
                break;
            tn_buf_clear(&b);
        }
    }
    int rc = tn_buf_ok(&b) && !tn_buf_write(&b, out) ? 0 : -1;
    tn_buf_free(&b);
    return rc;
}

typedef struct count {
    const char *key;
    uint64_t n;
} count;

static int count_desc(const void *a, const void *b)
{
    const count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Counts by key, sorted by count: a sort then a run-length pass. */
static size_t tally(const char **keys, size_t n, count *out)
{
    qsort(keys, n, sizeof(*keys), strcmp_ptr);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && !strcmp(out[m - 1].key, keys[i]))
            out[m - 1].n++;
        else
            out[m++] = (count){keys[i], 1};
    }
    qsort(out, m, sizeof(*out), count_desc);
    return m;
}

static void top(FILE *out, const char *what, const char **keys, size_t n, size_t show)
{
    count *c = tn_malloc((n ? n : 1) * sizeof(*c));
    if (!c)
        return;
    size_t m = tally(keys, n, c);
    fprintf(out, "  by %s (%zu distinct):\n", what, m);
    for (size_t i = 0; i < m && i < show; i++)
        fprintf(out, "    %8llu  %s\n", (unsigned long long)c[i].n, c[i].key);
    if (m > show)
        fprintf(out, "    ... %zu more\n", m - show);
    tn_free(c);
}

void tn_timeline_summary(const tn_dets *ds, const tn_ruleset *rs, const tn_hunt_stats *st,
                         const tn_diag *d, uint64_t rules_rejected, FILE *out)
{
    uint64_t by_level[5] = {0};
    uint64_t first = 0, last = 0;
    const char **keys = tn_malloc((ds->n ? ds->n : 1) * sizeof(*keys));
    fprintf(out, "Summary\n  detections: %zu", ds->n);
    for (size_t i = 0; i < ds->n; i++) {
        by_level[ds->v[i].level]++;
        if (ds->v[i].time && (!first || ds->v[i].time < first))
            first = ds->v[i].time;
        if (ds->v[i].time > last)
            last = ds->v[i].time;
    }
    for (int l = TN_LEVEL_CRITICAL; l >= TN_LEVEL_INFO; l--)
        fprintf(out, "%s %llu %s", l == TN_LEVEL_CRITICAL ? " (" : ",", (unsigned long long)by_level[l],
                tn_level_name(l));
    fputs(")\n", out);
    if (first) {
        char a[32], b[32];
        tn_filetime_format(first, a);
        tn_filetime_format(last, b);
        fprintf(out, "  first %s, last %s\n", a, b);
    }
    if (keys && ds->n) {
        for (size_t i = 0; i < ds->n; i++) {
            tn_rule_info ri;
            if (ds->v[i].is_corr)
                tn_ruleset_corr_info(rs, ds->v[i].rule, &ri);
            else
                tn_ruleset_info(rs, ds->v[i].rule, &ri);
            keys[i] = ri.title;
        }
        top(out, "rule", keys, ds->n, 15);
        for (size_t i = 0; i < ds->n; i++)
            keys[i] = ds->v[i].computer;
        top(out, "computer", keys, ds->n, 10);
    }
    tn_free(keys);
    double mb = st->bytes / 1048576.0;
    fprintf(out, "  read %llu files, %llu records, %.1f MB in %.2f s (%.0f records/s, %.1f MB/s)\n",
            (unsigned long long)st->files, (unsigned long long)st->records, mb, st->seconds,
            st->seconds > 0 ? st->records / st->seconds : 0, st->seconds > 0 ? mb / st->seconds : 0);
    fprintf(out, "  rules: %u loaded (%u correlations), %llu rejected\n", tn_ruleset_count(rs),
            tn_ruleset_ncorrelations(rs), (unsigned long long)rules_rejected);
    uint64_t problems = tn_diag_total(d) - d->count[TN_P_RULE];
    fprintf(out, "  input problems: %llu", (unsigned long long)problems);
    for (int i = 0; i < TN_P__COUNT; i++)
        if (i != TN_P_RULE && d->count[i])
            fprintf(out, ", %llu %s", (unsigned long long)d->count[i], tn_problem_name((tn_problem)i));
    fputc('\n', out);
}
