/* timeline.c - ordering and printing of detections. */
#include "timeline.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "hunt/spill.h"
#include "read/event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

void tn_timeline_rule(const tn_ruleset *rs, const tn_det *d, tn_rule_info *ri)
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

/* "level":...,"rule_id":...,"rule_title":...,"tags":[...] */
static void rule_json(tn_buf *b, const tn_det *d, const tn_rule_info *ri)
{
    tn_buf_puts(b, "\"level\":\"");
    tn_buf_puts(b, tn_level_name(d->level));
    tn_buf_puts(b, "\",\"rule_id\":");
    tn_buf_json_str(b, ri->id, strlen(ri->id));
    tn_buf_puts(b, ",\"rule_title\":");
    tn_buf_json_str(b, ri->title, strlen(ri->title));
    tn_buf_puts(b, ",\"tags\":[");
    for (uint32_t t = 0; t < ri->ntags; t++) {
        if (t)
            tn_buf_putc(b, ',');
        tn_buf_json_str(b, ri->tags[t], strlen(ri->tags[t]));
    }
    tn_buf_putc(b, ']');
}

void tn_tl_cache_free(tn_tl_cache *c)
{
    tn_buf_free(&c->text);
    for (int k = 0; k < 3; k++)
        tn_free(c->frag[k]);
    memset(c, 0, sizeof(*c));
}

/* The cache slot of fragment idx of kind k (0 rule, 1 correlation, 2
 * file), grown to hold it; NULL without a cache or memory. Formatting a
 * rule's part on every line cost ~1.5k instructions a detection (on_match
 * 8.3k -> 6.9k a detection, callgrind, Windows rules on 16 MiB of real
 * logs), and a run can have millions. */
static struct tn_tl_frag *slot(tn_tl_cache *c, int k, uint32_t idx)
{
    if (!c)
        return NULL;
    if (idx >= c->n[k]) {
        uint32_t n = c->n[k] ? c->n[k] : 64;
        while (n <= idx && n < (1u << 30))
            n *= 2;
        if (n <= idx)
            return NULL;
        struct tn_tl_frag *f = tn_realloc(c->frag[k], n * sizeof(*f));
        if (!f)
            return NULL;
        memset(f + c->n[k], 0, (n - c->n[k]) * sizeof(*f));
        c->frag[k] = f;
        c->n[k] = n;
    }
    return &c->frag[k][idx];
}

/* Appends f's text to b if it is kept, for level. */
static int from_cache(tn_buf *b, const tn_tl_cache *c, const struct tn_tl_frag *f, uint8_t level)
{
    if (!f || !f->len || f->level != level)
        return 0;
    tn_buf_put(b, c->text.data + f->at, f->len);
    return 1;
}

/* Keeps b's text from at on as f's, if f is still empty. */
static void keep(tn_tl_cache *c, struct tn_tl_frag *f, uint8_t level, const tn_buf *b, size_t at)
{
    size_t n = b->len - at, from = c ? c->text.len : 0;
    if (!f || f->len || !n || !tn_buf_ok(b) || !tn_buf_ok(&c->text))
        return;
    tn_buf_put(&c->text, b->data + at, n);
    if (tn_buf_ok(&c->text) && c->text.len <= 0xFFFFFFFFu)
        *f = (struct tn_tl_frag){(uint32_t)from, (uint32_t)n, level};
}

void tn_timeline_line(tn_buf *b, const tn_det *d, const tn_rule_info *ri, const tn_inputs *in,
                      int format, int colour, tn_tl_cache *cache)
{
    char ts[32];
    tn_filetime_format(d->time, ts);
    const char *file = in->v[d->file].path;
    if (format == TN_OUT_JSONL) {
        tn_buf_puts(b, "{\"timestamp\":\"");
        tn_buf_puts(b, ts);
        tn_buf_puts(b, "\",\"computer\":");
        tn_buf_json_str(b, d->computer, strlen(d->computer));
        tn_buf_puts(b, ",\"channel\":");
        tn_buf_json_str(b, d->channel, strlen(d->channel));
        tn_buf_puts(b, ",\"event_id\":");
        tn_buf_u64(b, d->event_id);
        tn_buf_puts(b, ",\"record_id\":");
        tn_buf_u64(b, d->record_id);
        tn_buf_putc(b, ',');
        struct tn_tl_frag *f = slot(cache, d->is_corr ? 1 : 0, d->rule);
        if (!from_cache(b, cache, f, d->level)) {
            size_t at = b->len;
            rule_json(b, d, ri);
            keep(cache, f, d->level, b, at);
        }
        tn_buf_puts(b, ",\"details\":");
        tn_buf_puts(b, d->details);
        tn_buf_puts(b, ",\"file\":");
        f = slot(cache, 2, d->file);
        if (!from_cache(b, cache, f, 0)) {
            size_t at = b->len;
            tn_buf_json_str(b, file, strlen(file));
            keep(cache, f, 0, b, at);
        }
        tn_buf_puts(b, "}\n");
    } else if (format == TN_OUT_CSV) {
        tn_buf_printf(b, "%s,", ts);
        csv_field(b, d->computer);
        tn_buf_putc(b, ',');
        csv_field(b, d->channel);
        tn_buf_printf(b, ",%u,%llu,%s,", d->event_id, (unsigned long long)d->record_id,
                      tn_level_name(d->level));
        csv_field(b, ri->title);
        tn_buf_putc(b, ',');
        csv_field(b, ri->id);
        tn_buf_putc(b, ',');
        tn_buf t;
        tn_buf_init(&t);
        for (uint32_t k = 0; k < ri->ntags; k++) {
            if (k)
                tn_buf_putc(&t, ' ');
            tn_buf_puts(&t, ri->tags[k]);
        }
        csv_field(b, t.data ? t.data : "");
        tn_buf_clear(&t);
        details_text(&t, d->details);
        tn_buf_putc(b, ',');
        csv_field(b, t.data ? t.data : "");
        tn_buf_free(&t);
        tn_buf_putc(b, ',');
        csv_field(b, file);
        tn_buf_putc(b, '\n');
    } else {
        ts[19] = '\0'; /* seconds are enough on screen */
        ts[10] = ' ';
        /* the host's short name: the domain is the same on every line */
        int hl = (int)strcspn(d->computer, ".");
        tn_buf_printf(b, "%s  %-16.*s %s%-8.8s%s  %5u  %s", ts, hl > 16 ? 16 : hl, d->computer,
                      colour ? level_colour[d->level] : "", tn_level_name(d->level),
                      colour && d->level ? "\x1b[0m" : "", d->event_id, ri->title);
        tn_buf_puts(b, "  | ");
        details_text(b, d->details);
        tn_buf_putc(b, '\n');
    }
}

void tn_tl_stats_init(tn_tl_stats *st)
{
    memset(st, 0, sizeof(*st));
    tn_map_init(&st->rules);
    tn_map_init(&st->computers);
}

void tn_tl_stats_free(tn_tl_stats *st)
{
    tn_map_free(&st->rules);
    tn_map_free(&st->computers);
    tn_free(st->rule_n);
    tn_free(st->comp_n);
    memset(st, 0, sizeof(*st));
}

static int bump(tn_map *m, uint64_t **counts, size_t *cap, const char *key, uint64_t n)
{
    int added;
    long id = tn_map_put(m, key, strlen(key), &added);
    if (id < 0)
        return -1;
    if ((size_t)id >= *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        uint64_t *c = tn_realloc(*counts, ncap * sizeof(*c));
        if (!c)
            return -1;
        memset(c + *cap, 0, (ncap - *cap) * sizeof(*c));
        *counts = c;
        *cap = ncap;
    }
    (*counts)[id] += n;
    return 0;
}

static void span(tn_tl_stats *st, uint64_t first, uint64_t last)
{
    if (first && (!st->first || first < st->first))
        st->first = first;
    if (last > st->last)
        st->last = last;
}

int tn_tl_stats_add(tn_tl_stats *st, const tn_rule_info *ri, const tn_det *d)
{
    st->total++;
    st->by_level[d->level]++;
    span(st, d->time, d->time);
    if (bump(&st->rules, &st->rule_n, &st->cap_rule, ri->title, 1) ||
        bump(&st->computers, &st->comp_n, &st->cap_comp, d->computer, 1))
        return -1;
    return 0;
}

int tn_tl_stats_merge(tn_tl_stats *to, const tn_tl_stats *from)
{
    to->total += from->total;
    for (int l = 0; l < 5; l++)
        to->by_level[l] += from->by_level[l];
    span(to, from->first, from->last);
    for (uint32_t i = 0; i < from->rules.count; i++)
        if (bump(&to->rules, &to->rule_n, &to->cap_rule, tn_map_key(&from->rules, i), from->rule_n[i]))
            return -1;
    for (uint32_t i = 0; i < from->computers.count; i++)
        if (bump(&to->computers, &to->comp_n, &to->cap_comp, tn_map_key(&from->computers, i),
                 from->comp_n[i]))
            return -1;
    return 0;
}

/* Output in writev(2) batches: the lines the workers formatted go out
 * from where they lie (a run's mapping, an arena) without a copy; lines
 * formatted here collect in text and join the batch as one piece. A batch
 * is written before it holds BATCH_BYTES or BATCH_IOV pieces, and so
 * before the merge moves TN_RUN_HOLD bytes past a line in it (spill.h:
 * past that, its page would be dropped and read again). */
#define BATCH_BYTES (64u * 1024)
#define BATCH_IOV 256
_Static_assert(BATCH_BYTES + BATCH_IOV * 64 < TN_RUN_HOLD, "a batch must fit in a run's hold");

typedef struct batch {
    FILE *f;
    int fd;          /* of f, or -1 (a memory stream): then through stdio */
    struct iovec iov[BATCH_IOV];
    int n;
    size_t bytes;
    tn_buf text;     /* lines formatted here, not yet in iov */
    int err;
} batch;

static void batch_flush(batch *o)
{
    struct iovec *v = o->iov;
    int n = o->n;
    for (int i = 0; o->fd < 0 && i < n && !o->err; i++)
        if (fwrite(v[i].iov_base, 1, v[i].iov_len, o->f) != v[i].iov_len)
            o->err = 1;
    while (o->fd >= 0 && n && !o->err) {
        ssize_t w = writev(o->fd, v, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {   /* pieces are never empty: 0 is no progress */
            o->err = 1;
            break;
        }
        size_t left = (size_t)w;
        for (; n && left >= v->iov_len; v++, n--)
            left -= v->iov_len;
        if (n && left) {   /* a piece partly written */
            v->iov_base = (char *)v->iov_base + left;
            v->iov_len -= left;
        }
    }
    o->n = 0;
    o->bytes = 0;
}

static void batch_add(batch *o, const char *p, size_t len)
{
    if (!len)
        return;
    o->iov[o->n++] = (struct iovec){(void *)p, len};
    o->bytes += len;
    if (o->n == BATCH_IOV || o->bytes >= BATCH_BYTES)
        batch_flush(o);
}

/* The text formatted here joins the batch, which is then written: text
 * is reused after. */
static void batch_text(batch *o)
{
    if (!o->text.len)
        return;
    if (!tn_buf_ok(&o->text))
        o->err = 1;
    batch_add(o, o->text.data, o->text.len);
    batch_flush(o);
    tn_buf_clear(&o->text);
}

int tn_timeline_print(tn_dets *ds, const tn_ruleset *rs, const tn_inputs *in, int format,
                      int colour, FILE *out, tn_tl_stats *st)
{
    if (ds->n)
        qsort(ds->v, ds->n, sizeof(tn_det), tn_det_cmp);
    tn_det *const arrays[1] = {ds->v};
    size_t lens[1] = {ds->n};
    tn_merge *m = tn_merge_new(ds->runs, ds->nruns, arrays, lens, 1);
    ds->nruns = 0; /* the merge owns them now */
    if (!m)
        return -1;
    batch *o = tn_calloc(1, sizeof(*o));
    if (!o || fflush(out) != 0) {   /* what stdio holds goes first */
        tn_free(o);
        tn_merge_free(m);
        return -1;
    }
    o->f = out;
    o->fd = fileno(out);
    tn_buf_init(&o->text);
    int rc = 0;
    if (format == TN_OUT_CSV)
        tn_buf_puts(&o->text, "timestamp,computer,channel,event_id,record_id,level,rule_title,rule_id,tags,details,file\n");
    const tn_det *d;
    int r = 0;
    while (!rc && !o->err && (r = tn_merge_next(m, &d)) == 1) {
        if (d->line) {
            batch_text(o);
            batch_add(o, d->line, d->line_len);
            continue;
        }
        tn_rule_info ri;
        tn_timeline_rule(rs, d, &ri);
        tn_timeline_line(&o->text, d, &ri, in, format, colour, NULL);
        if (tn_tl_stats_add(st, &ri, d))
            rc = -1;
        if (o->text.len > (1 << 16))
            batch_text(o);
    }
    batch_text(o);
    batch_flush(o);
    if (r < 0 || o->err)
        rc = -1;
    tn_buf_free(&o->text);
    tn_free(o);
    tn_merge_free(m);
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

static void top(FILE *out, const char *what, const tn_map *m, const uint64_t *n, size_t show)
{
    uint32_t k = m->count;
    count *c = tn_malloc((k ? k : 1) * sizeof(*c));
    if (!c)
        return;
    for (uint32_t i = 0; i < k; i++)
        c[i] = (count){tn_map_key(m, i), n[i]};
    if (k)
        qsort(c, k, sizeof(*c), count_desc);
    fprintf(out, "  by %s (%u distinct):\n", what, k);
    for (size_t i = 0; i < k && i < show; i++)
        fprintf(out, "    %8llu  %s\n", (unsigned long long)c[i].n, c[i].key);
    if (k > show)
        fprintf(out, "    ... %zu more\n", k - show);
    tn_free(c);
}

void tn_timeline_summary(const tn_tl_stats *tl, const tn_ruleset *rs, const tn_hunt_stats *st,
                         const tn_diag *d, uint64_t rules_rejected, FILE *out)
{
    fprintf(out, "Summary\n  detections: %llu", (unsigned long long)tl->total);
    for (int l = TN_LEVEL_CRITICAL; l >= TN_LEVEL_INFO; l--)
        fprintf(out, "%s %llu %s", l == TN_LEVEL_CRITICAL ? " (" : ",",
                (unsigned long long)tl->by_level[l], tn_level_name(l));
    fputs(")\n", out);
    if (tl->first) {
        char a[32], b[32];
        tn_filetime_format(tl->first, a);
        tn_filetime_format(tl->last, b);
        fprintf(out, "  first %s, last %s\n", a, b);
    }
    if (tl->total) {
        top(out, "rule", &tl->rules, tl->rule_n, 15);
        top(out, "computer", &tl->computers, tl->comp_n, 10);
    }
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
