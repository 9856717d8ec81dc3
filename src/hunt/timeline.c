/* timeline.c - ordering and printing of detections. */
#include "timeline.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "hunt/jsonesc.h"
#include "hunt/spill.h"
#include "read/event.h"
#include "read/json_dom.h"

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
    tn_buf_csv(b, s, strlen(s));
}

/* details {"k":"v",...} as "k: v ¦ k: v" for table and CSV: the JSON
 * escapes decoded as the JSON reader decodes them (tn_json_u_escape),
 * newlines and tabs as spaces, other control characters visible as
 * \xHH (tn_buf_safe): the same text as the JSON Lines details, on one line.
 * A backslash was once dropped with the escape kept as text (\u001b
 * came out as u001b). */
static void details_text(tn_buf *b, const char *json)
{
    int in_str = 0, key = 1;
    for (const char *p = json; *p; p++) {
        char c = *p;
        if (in_str) {
            if (c == '\\' && p[1]) {
                char e = *++p;
                size_t used;
                int lone = 0;
                long cp;
                if (e == 'n' || e == 't' || e == 'r') {
                    tn_buf_putc(b, ' ');
                } else if (e == 'u' && (cp = tn_json_u_escape(p, strnlen(p, 11), &used, &lone)) >= 0) {
                    unsigned char u8[4];   /* the JSON reader's decoding: a pair is one character */
                    tn_buf_safe(b, (const char *)u8, tn_utf8_put(u8, (uint32_t)cp));
                    p += used - 1;
                } else {
                    char one = e == 'b' ? '\b' : e == 'f' ? '\f' : e;
                    tn_buf_safe(b, &one, 1);
                }
                continue;
            }
            if (c == '"') {
                in_str = 0;
                continue;
            }
            /* a character is up to 4 bytes in UTF-8 (a C1 control 2):
             * tn_buf_safe must see them all */
            size_t n = tn_utf8_len((const unsigned char *)p, strnlen(p, 4));
            n = n ? n : 1;
            tn_buf_safe(b, p, n);
            p += n - 1;
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
static void rule_json(tn_buf *b, int level, const tn_rule_info *ri)
{
    tn_buf_puts(b, "\"level\":\"");
    tn_buf_puts(b, tn_level_name(level));
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
    tn_buf_free(&c->tmp);
    for (int k = 0; k < 3; k++)
        tn_free(c->frag[k]);
    memset(c, 0, sizeof(*c));
}

/* The cache for format and colour: the rules' parts kept for others are
 * dropped (the files' are JSON in every format that keeps them). */
static void cache_for(tn_tl_cache *c, int format, int colour)
{
    if (!c || (c->format == format && c->colour == colour))
        return;
    for (int k = 0; k < 2; k++)
        if (c->frag[k])
            memset(c->frag[k], 0, c->n[k] * sizeof(*c->frag[k]));
    c->format = format;
    c->colour = colour;
}

/* The cache slot of fragment idx of kind k (0 rule, 1 correlation, 2
 * file), grown to hold it; NULL without a cache or memory. Formatting a
 * rule's part on every line cost ~1.5k instructions a detection (on_match
 * 8.3k -> 6.9k a detection, callgrind, Windows rules on 16 MiB of real
 * logs), and a run can have millions. */
static struct tn_tl_frag *slot_grow(tn_tl_cache *c, int k, uint32_t idx);

static inline struct tn_tl_frag *slot(tn_tl_cache *c, int k, uint32_t idx)
{
    if (c && idx < c->n[k])   /* a call only to grow: ~40 instructions a line */
        return &c->frag[k][idx];
    return slot_grow(c, k, idx);
}

static struct tn_tl_frag *slot_grow(tn_tl_cache *c, int k, uint32_t idx)
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

/* Keeps b's text from at on as f's (mid: the length of its first part),
 * if f is still empty. */
static void keep(tn_tl_cache *c, struct tn_tl_frag *f, uint8_t level, const tn_buf *b, size_t at,
                 size_t mid)
{
    size_t n = b->len - at, from = c ? c->text.len : 0;
    if (!f || f->len || !n || !tn_buf_ok(b) || !tn_buf_ok(&c->text))
        return;
    tn_buf_put(&c->text, b->data + at, n);
    if (tn_buf_ok(&c->text) && c->text.len <= 0xFFFFFFFFu)
        *f = (struct tn_tl_frag){(uint32_t)from, (uint32_t)n, (uint32_t)mid, level};
}

/* Columns a terminal gives code point cp: 2 for the East Asian wide and
 * full-width ranges (CJK, kana, hangul, full-width forms), else 1. */
static size_t cp_cols(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                   (cp >= 0x20000 && cp <= 0x3FFFD)
               ? 2
               : 1;
}

/* s[0..len) left-aligned in width columns, cut at most, at a character's
 * boundary (printf's %-W.Ps counts bytes and cut UTF-8 in two, which
 * broke the line for tools, and padded wide characters short); control
 * and bad bytes escaped (tn_buf_safe) and counted as the 4 columns of \xHH
 * (a bidirectional control as the 6 of \u202E). */
static void put_padded(tn_buf *b, const char *s, size_t len, size_t width)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, cols = 0;
    while (i < len) {
        unsigned c = u[i];
        size_t n = c < 0x80 ? 1 : tn_utf8_len(u + i, len - i), w;
        if (c < 0x20 || c == 0x7F || !n || (c == 0xC2 && u[i + 1] <= 0x9F))
            w = 4, n = n ? n : 1;
        else if (n == 1)
            w = 1;
        else if (tn_is_bidi_control(tn_utf8_cp(u + i, n)))
            w = 6;   /* \u202E */
        else
            w = cp_cols(tn_utf8_cp(u + i, n));
        if (cols + w > width)
            break;
        cols += w;
        i += n;
    }
    tn_buf_safe(b, s, i);
    for (; cols < width; cols++)
        tn_buf_putc(b, ' ');
}

/* v right-aligned in 5 columns (printf's %5u) */
static void put_u32_w5(tn_buf *b, uint32_t v)
{
    char d[10];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10));
    if (tn_buf_reserve(b, n > 5 ? (size_t)n : 5))
        return;
    char *o = b->data + b->len;
    for (int i = n; i < 5; i++)
        *o++ = ' ';
    while (n)
        *o++ = d[--n];
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

void tn_tl_event_free(tn_tl_event *e)
{
    tn_buf_free(&e->text);
    tn_buf_free(&e->who);
    memset(e, 0, sizeof(*e));
}

/* The file's name of d as JSON (kept in the cache) or CSV. */
static void file_part(tn_buf *b, const tn_det *d, const tn_inputs *in, int format, tn_tl_cache *c)
{
    const char *file = in->v[d->file].path;
    if (format == TN_OUT_CSV) {
        csv_field(b, file);
        return;
    }
    struct tn_tl_frag *f = slot(c, 2, d->file);
    if (f && f->len) {
        tn_buf_put(b, c->text.data + f->at, f->len);
        return;
    }
    size_t at = b->len;
    tn_buf_json_fast(b, file, strlen(file));
    keep(c, f, 0, b, at, 0);
}

/* d's time as tn_filetime_format writes it, at out (32 bytes); returns its
 * length. The date is kept from the last call: converting it cost ~300
 * instructions an event, most of the time (callgrind), and a day's events
 * come together. */
static size_t event_time(tn_tl_event *e, uint64_t ft, char *out)
{
    const uint64_t unix_epoch = 116444736000000000ULL;   /* 1970-01-01 in FILETIME */
    if (ft < unix_epoch)
        return tn_filetime_format(ft, out);   /* not worth a fast path */
    uint64_t t = (ft - unix_epoch) / 10;     /* unix micros */
    uint64_t secs = t / 1000000, us = t % 1000000;
    int64_t day = (int64_t)(secs / 86400);
    uint32_t rem = (uint32_t)(secs % 86400);
    if (e->day != day + 1) {
        size_t n = tn_filetime_format(ft, out);
        memcpy(e->date, out, 10);
        e->day = day + 1;
        return n;
    }
    memcpy(out, e->date, 10);
    return tn_time_of_day_format(rem, (unsigned)us, out);
}

/* Writes the decimal digits of v at o; returns the end. Two digits a
 * division, straight to their place (record ids have 6 to 8 digits). */
static inline char *put_dec(char *o, uint64_t v)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    /* the count of digits from the bit length, then one comparison:
     * counting them by divisions was ~55 instructions a line (callgrind) */
    static const uint64_t pow10[20] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull,
                                       1000000ull, 10000000ull, 100000000ull, 1000000000ull,
                                       10000000000ull, 100000000000ull, 1000000000000ull,
                                       10000000000000ull, 100000000000000ull,
                                       1000000000000000ull, 10000000000000000ull,
                                       100000000000000000ull, 1000000000000000000ull,
                                       10000000000000000000ull};
    uint64_t w = v | 1;   /* 0 has a digit; and w < 10^t iff v < 10^t, 10^t even or 1 */
    unsigned t = (unsigned)(64 - __builtin_clzll(w)) * 1233 >> 12;   /* ~log10 */
    size_t n = t + 1 - (w < pow10[t]);
    char *p = o + n;
    while (v >= 100) {
        p -= 2;
        memcpy(p, pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10)
        memcpy(p - 2, pairs + 2 * v, 2);
    else
        p[-1] = (char)('0' + v);
    return o + n;
}

/* The part of a JSON line from the end of the time to the event id's
 * digits: ","computer":"...","channel":"...","event_id":. The same as
 * the last event's, mostly (one computer, one channel, for runs of
 * events): compared with it rather than escaped again, ~150 instructions
 * an event less (callgrind). NULL when out of memory; *n its length. */
static const char *who_part(tn_tl_event *e, const char *computer, const char *channel, size_t *n)
{
    tn_buf *w = &e->who;
    if (w->data && e->who_key && !strcmp(computer, w->data)) {
        if (!strcmp(channel, w->data + e->who_chan)) {   /* where it is kept, not a strlen */
            *n = w->len - e->who_key;
            return w->data + e->who_key;
        }
    }
    if (!tn_buf_ok(w))
        tn_buf_free(w);
    tn_buf_clear(w);
    e->who_key = 0;
    size_t cn = strlen(computer), chn = strlen(channel);
    size_t key = cn + 1 + chn + 1;
    if (tn_buf_reserve(w, key + 48 + TN_JSON_ESC_ROOM(cn) + TN_JSON_ESC_ROOM(chn)))
        return NULL;
    char *o = w->data;
    memcpy(o, computer, cn + 1);
    memcpy(o + cn + 1, channel, chn + 1);
    o += key;
    memcpy(o, "\",\"computer\":\"", 14);
    o = tn_json_esc(o + 14, computer, cn);
    memcpy(o, "\",\"channel\":\"", 13);
    o = tn_json_esc(o + 13, channel, chn);
    memcpy(o, "\",\"event_id\":", 13);
    o += 13;
    w->len = (size_t)(o - w->data);
    *o = '\0';
    e->who_key = key;
    e->who_chan = cn + 1;
    *n = w->len - key;
    return w->data + key;
}

void tn_tl_event_jsonl_head(tn_tl_event *e, const tn_det *d)
{
    tn_buf *b = &e->text;
    if (!tn_buf_ok(b))
        tn_buf_free(b);   /* after a failure, try afresh */
    tn_buf_clear(b);
    size_t wn;
    const char *who = who_part(e, d->computer, d->channel, &wn);
    /* one reservation for what is written straight to memory below */
    if (!who || tn_buf_reserve(b, 128 + wn)) {
        b->oom = 1;
        return;
    }
    char *o = b->data;
    memcpy(o, "{\"timestamp\":\"", 14);
    o += 14;
    o += event_time(e, d->time, o);
    memcpy(o, who, wn);
    o = put_dec(o + wn, d->event_id);
    memcpy(o, ",\"record_id\":", 13);
    o = put_dec(o + 13, d->record_id);
    *o++ = ',';
    e->end[0] = (uint32_t)(o - b->data);
    memcpy(o, ",\"details\":", 11);
    o += 11;
    b->len = (size_t)(o - b->data);
    *o = '\0';
}

int tn_tl_event_jsonl_tail(tn_tl_event *e, const tn_det *d, const tn_inputs *in,
                           tn_tl_cache *cache)
{
    tn_buf *b = &e->text;
    struct tn_tl_frag *f = slot(cache, 2, d->file);
    if (f && f->len && !tn_buf_reserve(b, 8 + f->len + 2)) {
        /* the file's part kept: one reservation and three copies, not
         * three tn_buf_put (~50 instructions an event, callgrind) */
        char *o = b->data + b->len;
        memcpy(o, ",\"file\":", 8);
        memcpy(o + 8, cache->text.data + f->at, f->len);
        memcpy(o + 8 + f->len, "}\n", 2);
        b->len += 8 + f->len + 2;
        b->data[b->len] = '\0';
    } else {
        tn_buf_put(b, ",\"file\":", 8);
        file_part(b, d, in, TN_OUT_JSONL, cache);
        tn_buf_put(b, "}\n", 2);
    }
    e->end[1] = e->end[2] = (uint32_t)b->len;
    return tn_buf_ok(b) && b->len <= 0xFFFFFFFFu ? 0 : -1;
}

int tn_tl_event_make(tn_tl_event *e, const tn_det *d, const tn_inputs *in, int format,
                     tn_tl_cache *cache)
{
    if (format == TN_OUT_JSONL) {
        tn_tl_event_jsonl_head(e, d);
        tn_buf_puts(&e->text, d->details);
        return tn_tl_event_jsonl_tail(e, d, in, cache);
    }
    tn_buf *b = &e->text;
    if (!tn_buf_ok(b))
        tn_buf_free(b);   /* after a failure, try afresh */
    tn_buf_clear(b);
    char ts[32];
    size_t tsn = event_time(e, d->time, ts);
    if (format == TN_OUT_CSV) {
        tn_buf_put(b, ts, tsn);
        tn_buf_putc(b, ',');
        csv_field(b, d->computer);
        tn_buf_putc(b, ',');
        csv_field(b, d->channel);
        tn_buf_putc(b, ',');
        tn_buf_u64(b, d->event_id);
        tn_buf_putc(b, ',');
        tn_buf_u64(b, d->record_id);
        tn_buf_putc(b, ',');
        e->end[0] = (uint32_t)b->len;
        tn_buf t;
        tn_buf_init(&t);
        details_text(&t, d->details);
        csv_field(b, t.data ? t.data : "");
        if (!tn_buf_ok(&t))
            b->oom = 1;
        tn_buf_free(&t);
        tn_buf_putc(b, ',');
        file_part(b, d, in, format, cache);
        tn_buf_putc(b, '\n');
        e->end[1] = e->end[2] = (uint32_t)b->len;
    } else {
        ts[19] = '\0'; /* seconds are enough on screen */
        ts[10] = ' ';
        tn_buf_put(b, ts, 19);
        tn_buf_put(b, "  ", 2);
        /* the host's short name: the domain is the same on every line */
        put_padded(b, d->computer, strcspn(d->computer, "."), 16);
        tn_buf_putc(b, ' ');
        e->end[0] = (uint32_t)b->len;
        tn_buf_put(b, "  ", 2);
        put_u32_w5(b, d->event_id);
        tn_buf_put(b, "  ", 2);
        e->end[1] = (uint32_t)b->len;
        details_text(b, d->details);
        tn_buf_putc(b, '\n');
        e->end[2] = (uint32_t)b->len;
    }
    return tn_buf_ok(b) && b->len <= 0xFFFFFFFFu ? 0 : -1;
}

/* The rule's parts of d's line in format, appended to b; the first ends
 * at *mid. */
static void rule_parts(tn_buf *b, const tn_det *d, const tn_rule_info *ri, int format, int colour,
                       size_t *mid)
{
    if (format == TN_OUT_JSONL) {
        rule_json(b, d->level, ri);
    } else if (format == TN_OUT_CSV) {
        tn_buf_puts(b, tn_level_name(d->level));
        tn_buf_putc(b, ',');
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
        if (!tn_buf_ok(&t))
            b->oom = 1;
        tn_buf_free(&t);
        tn_buf_putc(b, ',');
    } else {
        const char *name = tn_level_name(d->level);
        tn_buf_puts(b, colour ? level_colour[d->level] : "");
        put_padded(b, name, strlen(name), 8);
        tn_buf_puts(b, colour && d->level ? "\x1b[0m" : "");
        *mid = b->len;
        tn_buf_safe(b, ri->title, strlen(ri->title));
        tn_buf_put(b, "  | ", 4);
        return;
    }
    *mid = b->len;
}

/* tn_tl_line_parts of the event's parts et, ending at end[0..3). */
static long parts_at(tn_tl_parts *out, const char *et, const uint32_t end[3], const tn_det *d,
                     const tn_rule_info *ri, const tn_ruleset *rs, int format, int colour,
                     tn_tl_cache *c)
{
    cache_for(c, format, colour);
    struct tn_tl_frag *f = slot(c, d->is_corr ? 1 : 0, d->rule);
    const char *r;
    size_t rn, rmid;
    if (f && f->len && f->level == d->level) {
        r = c->text.data + f->at;
        rn = f->len;
        rmid = f->mid;
    } else {
        tn_rule_info info;
        if (!ri) {
            tn_timeline_rule(rs, d, &info);
            ri = &info;
        }
        tn_buf *t = &c->tmp;
        if (!tn_buf_ok(t))
            tn_buf_free(t);
        tn_buf_clear(t);
        rule_parts(t, d, ri, format, colour, &rmid);
        if (!tn_buf_ok(t))
            return -1;
        keep(c, f, d->level, t, 0, rmid);   /* the first level seen is kept */
        r = t->data;
        rn = t->len;
    }
    out->p[0] = et;
    out->n[0] = end[0];
    out->p[1] = r;
    out->n[1] = rmid;
    out->p[2] = et + end[0];
    out->n[2] = end[1] - end[0];
    out->p[3] = r + rmid;
    out->n[3] = rn - rmid;
    out->p[4] = et + end[1];
    out->n[4] = end[2] - end[1];
    return (long)(end[2] + rn);
}

long tn_tl_line_parts(tn_tl_parts *out, const tn_tl_event *e, const tn_det *d,
                      const tn_rule_info *ri, const tn_ruleset *rs, int format, int colour,
                      tn_tl_cache *c)
{
    return parts_at(out, e->text.data, e->end, d, ri, rs, format, colour, c);
}

void tn_timeline_line(tn_buf *b, const tn_det *d, const tn_rule_info *ri, const tn_inputs *in,
                      int format, int colour, tn_tl_cache *cache)
{
    tn_tl_cache local = {0};
    tn_tl_cache *c = cache ? cache : &local;
    tn_tl_event e = {0};
    tn_tl_parts p;
    if (tn_tl_event_make(&e, d, in, format, c) || tn_tl_line_parts(&p, &e, d, ri, NULL, format, colour, c) < 0)
        b->oom = 1;
    else
        for (int i = 0; i < 5; i++)
            tn_buf_put(b, p.p[i], p.n[i]);
    tn_tl_event_free(&e);
    tn_tl_cache_free(&local);
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
    /* room for a new key's count before the key goes in: grown after it,
     * a failed growth left a key without a count, which the summary's
     * top() then read through a NULL array */
    uint64_t *c = tn_map_grow_ids(m, *counts, cap, sizeof(*c));
    if (!c)
        return -1;
    *counts = c;
    int added;
    long id = tn_map_put(m, key, strlen(key), &added);
    if (id < 0)
        return -1;
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
    tn_tl_stats_det(st, d->level, d->time);
    if (tn_tl_stats_rule(st, ri, 1) || tn_tl_stats_computer(st, d->computer, 1))
        return -1;
    return 0;
}

void tn_tl_stats_det(tn_tl_stats *st, int level, uint64_t time)
{
    st->total++;
    st->by_level[level]++;
    span(st, time, time);
}

/* A rule is counted by its title and id (file:line without one), kept
 * as "title US id": by title alone two rules of one title were one line
 * of the summary with their counts added. top() prints the title, and the
 * id too where titles repeat. */
#define RULE_SEP '\x1f'
int tn_tl_stats_rule(tn_tl_stats *st, const tn_rule_info *ri, uint64_t n)
{
    tn_buf k = {0};
    tn_buf_puts(&k, ri->title ? ri->title : "");
    tn_buf_putc(&k, RULE_SEP);
    if (ri->id && ri->id[0])
        tn_buf_puts(&k, ri->id);
    else
        tn_buf_printf(&k, "%s:%u", ri->file ? ri->file : "", ri->line);
    int rc = tn_buf_ok(&k) && k.data ? bump(&st->rules, &st->rule_n, &st->cap_rule, k.data, n) : -1;
    tn_buf_free(&k);
    return rc;
}

int tn_tl_stats_computer(tn_tl_stats *st, const char *computer, uint64_t n)
{
    return bump(&st->computers, &st->comp_n, &st->cap_comp, computer, n);
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
#define BATCH_IOV 512
_Static_assert(BATCH_BYTES + BATCH_IOV * 64 < TN_RUN_HOLD, "a batch must fit in a run's hold");

typedef struct batch {
    FILE *f;
    int fd;          /* of f, or -1 (a memory stream): then through stdio */
    struct iovec iov[BATCH_IOV];
    int n;
    size_t bytes;
    tn_buf text;     /* lines formatted here, not yet in iov */
    int err;         /* the errno of a failed write (ENOMEM: text could not grow) */
} batch;

static void batch_flush(batch *o)
{
    struct iovec *v = o->iov;
    int n = o->n;
    for (int i = 0; o->fd < 0 && i < n && !o->err; i++) {
        errno = 0;
        if (fwrite(v[i].iov_base, 1, v[i].iov_len, o->f) != v[i].iov_len)
            o->err = errno ? errno : EIO;
    }
    while (o->fd >= 0 && n && !o->err) {
        ssize_t w = writev(o->fd, v, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {   /* pieces are never empty: 0 is no progress */
            o->err = w < 0 ? errno : EIO;
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
        o->err = ENOMEM;
    batch_add(o, o->text.data, o->text.len);
    batch_flush(o);
    tn_buf_clear(&o->text);
}

/* A line the workers formatted (tn_det.line: its event's parts) joins the
 * batch as five pieces, the rule's parts between the event's, from where
 * they lie: the rule's in c, made here at the rule's first line. Making
 * one may move c's text (or reuse its spare buffer), where pieces already
 * in the batch point: the batch is written first. Copying the pieces into
 * one text instead cost as much on one thread and more on two (the merge
 * is serial): wall time 1.00 and 1.06 of the old whole lines' over 10
 * alternating pairs, against 0.96 and 0.95 for these. 0, or -1 when out
 * of memory. */
static int put_parts(batch *o, tn_tl_cache *c, const tn_det *d, const tn_ruleset *rs, int format,
                     int colour)
{
    cache_for(c, format, colour);
    struct tn_tl_frag *f = slot(c, d->is_corr ? 1 : 0, d->rule);
    if (!f || !f->len || f->level != d->level)
        batch_flush(o);
    tn_tl_parts p;
    const uint32_t end[3] = {d->part_end[0], d->part_end[1], d->line_len};
    if (parts_at(&p, d->line, end, d, NULL, rs, format, colour, c) < 0)
        return -1;
    for (int i = 0; i < 5; i++)
        batch_add(o, p.p[i], p.n[i]);
    return 0;
}

int tn_timeline_print(tn_dets *ds, const tn_ruleset *rs, const tn_inputs *in, int format,
                      int colour, FILE *out, tn_tl_stats *st)
{
    tn_det_sort(ds->v, ds->n);
    tn_det *const arrays[1] = {ds->v};
    size_t lens[1] = {ds->n};
    tn_merge *m = tn_merge_new(ds->runs, ds->nruns, arrays, lens, 1);
    ds->nruns = 0; /* the merge owns them now */
    if (!m)
        return errno == EIO ? TN_TL_EREAD : TN_TL_ENOMEM;
    batch *o = tn_calloc(1, sizeof(*o));
    int fe = o && fflush(out) != 0 ? (errno ? errno : EIO) : 0;   /* what stdio holds goes first */
    if (!o || fe) {
        int rc = o ? TN_TL_EWRITE : TN_TL_ENOMEM;
        tn_free(o);
        tn_merge_free(m);
        errno = fe;
        return rc;
    }
    o->f = out;
    o->fd = fileno(out);
    tn_buf_init(&o->text);
    int rc = 0;
    if (format == TN_OUT_CSV)
        tn_buf_puts(&o->text, "timestamp,computer,channel,event_id,record_id,level,rule_title,rule_id,tags,details,file\n");
    const tn_det *d;
    tn_tl_cache tc = {0};   /* rules' parts of lines, kept (and files', for lines made here) */
    int r = 0;
    while (!rc && !o->err && (r = tn_merge_next(m, &d)) == 1) {
        /* a rule the set does not have: a damaged run (a worker's
         * detections are of its rules) */
        if (d->rule >= (d->is_corr ? tn_ruleset_ncorrelations(rs) : tn_ruleset_count(rs))) {
            rc = TN_TL_EREAD;
            break;
        }
        if (d->line) {
            batch_text(o);
            if (put_parts(o, &tc, d, rs, format, colour))
                rc = TN_TL_ENOMEM;
            continue;
        }
        tn_rule_info ri;
        tn_timeline_rule(rs, d, &ri);
        tn_timeline_line(&o->text, d, &ri, in, format, colour, &tc);
        if (tn_tl_stats_add(st, &ri, d))
            rc = TN_TL_ENOMEM;
        if (o->text.len > (1 << 16))
            batch_text(o);
    }
    batch_text(o);
    batch_flush(o);
    tn_tl_cache_free(&tc);   /* after: the batch's pieces may lie in it */
    int err = o->err;
    if (!rc && r < 0)
        rc = TN_TL_EREAD;
    else if (!rc && err)
        rc = err == ENOMEM ? TN_TL_ENOMEM : TN_TL_EWRITE;
    tn_buf_free(&o->text);
    tn_free(o);
    tn_merge_free(m);
    errno = rc == TN_TL_EWRITE ? err : 0;
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
    tn_buf safe = {0};
    int rules = !strcmp(what, "rule");
    for (size_t i = 0; i < k && i < show; i++) {
        tn_buf_clear(&safe);
        const char *key = c[i].key, *sep = rules ? strrchr(key, RULE_SEP) : NULL;
        size_t tl = sep ? (size_t)(sep - key) : strlen(key);
        tn_buf_safe(&safe, key, tl);   /* a computer's name is the log's */
        for (uint32_t j = 0; sep && j < k; j++) {   /* another rule of this title: the ids tell them apart */
            const char *o = c[j].key;
            if (j != i && !strncmp(o, key, tl + 1)) {
                tn_buf_puts(&safe, " (");
                tn_buf_safe(&safe, sep + 1, strlen(sep + 1));
                tn_buf_putc(&safe, ')');
                break;
            }
        }
        fprintf(out, "    %8llu  %s\n", (unsigned long long)c[i].n, tn_buf_ok(&safe) && safe.data ? safe.data : "");
    }
    tn_buf_free(&safe);
    if (k > show)
        fprintf(out, "    ... %zu more\n", k - show);
    tn_free(c);
}

typedef struct flt_count {
    uint64_t n;
    uint32_t i;
} flt_count;

static int by_count(const void *a, const void *b)   /* most first, then in load order */
{
    const flt_count *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The global filters, and how many matches each suppressed, most first
 * (a filter hides detections: the analyst is told how many, and whose). */
static void filters_summary(const tn_ruleset *rs, const tn_hunt_stats *st, FILE *out)
{
    uint32_t n = tn_ruleset_nfilters(rs), show = 10;
    uint64_t total = 0;
    for (uint32_t i = 0; st->suppressed && i < n; i++)
        total += st->suppressed[i];
    fprintf(out, "  global filters: %u (they suppress the matches of the rules they name)", n);
    if (!st->suppressed) {   /* no event was matched */
        fputs(", matches suppressed: 0\n", out);
        return;
    }
    fprintf(out, ", matches suppressed: %llu", (unsigned long long)total);
    if (st->suppressed_feeds)   /* their correlations' hits are gone too: said, not counted */
        fprintf(out, "; %llu suppressed matches would have fed correlations",
                (unsigned long long)st->suppressed_feeds);
    fputc('\n', out);
    flt_count *ord = tn_malloc(n * sizeof(*ord));
    if (!ord)
        return;
    for (uint32_t i = 0; i < n; i++)
        ord[i] = (flt_count){st->suppressed[i], i};
    qsort(ord, n, sizeof(*ord), by_count);
    tn_buf safe = {0};
    for (uint32_t k = 0; k < n && k < show; k++) {
        tn_rule_info fi;
        tn_ruleset_filter_info(rs, ord[k].i, &fi);
        tn_buf_clear(&safe);   /* a rule's title and file are anyone's: safe for a terminal */
        const char *t = fi.title ? fi.title : "", *f = fi.file ? fi.file : "";
        tn_buf_safe(&safe, t, strlen(t));
        tn_buf_put(&safe, " (", 2);
        tn_buf_safe(&safe, f, strlen(f));
        fprintf(out, "    %8llu  %s:%u)\n", (unsigned long long)ord[k].n,
                tn_buf_ok(&safe) && safe.data ? safe.data : "", fi.line);
    }
    tn_buf_free(&safe);
    if (n > show)
        fprintf(out, "    ... %u more\n", n - show);
    tn_free(ord);
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
    if (st->untimed)   /* a JSON export without a time field, or a time that does not parse */
        fprintf(out, "  events without a readable time: %llu (shown at 1601-01-01; outside any "
                "--since/--until; counted by no correlation)\n", (unsigned long long)st->untimed);
    if (st->re_limits)   /* eval.c, re_match */
        fprintf(out, "  regular expression matches stopped at PCRE2's limits: %llu (each counted as no "
                "match)\n", (unsigned long long)st->re_limits);
    if (tn_ruleset_nfilters(rs))
        filters_summary(rs, st, out);
    /* counted as `tansa rules check` counts them: correlations among the
     * loaded (a rule and its correlation were 1 here and 2 there) */
    fprintf(out, "  rules: %u loaded (%u correlations), %llu rejected",
            tn_ruleset_count(rs) + tn_ruleset_ncorrelations(rs), tn_ruleset_ncorrelations(rs),
            (unsigned long long)rules_rejected);
    if (st->rule_warnings)   /* a filter naming no rule, a placeholder without values, ... */
        fprintf(out, ", %llu warning%s (`tansa rules check` lists them)", (unsigned long long)st->rule_warnings,
                st->rule_warnings == 1 ? "" : "s");
    fputc('\n', out);
    uint64_t problems = tn_diag_total(d) - d->count[TN_P_RULE];
    fprintf(out, "  input problems: %llu", (unsigned long long)problems);
    for (int i = 0; i < TN_P__COUNT; i++)
        if (i != TN_P_RULE && d->count[i])
            fprintf(out, ", %s: %llu", tn_problem_name((tn_problem)i), (unsigned long long)d->count[i]);
    fputc('\n', out);
}

/* ---- levels (hunt.h) ---- */

int tn_level_parse(const char *s, int strict)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++)
        if (!strcasecmp(s, names[i]))
            return i;
    if (!strcasecmp(s, "info"))
        return TN_LEVEL_INFO;
    return strict ? -1 : TN_LEVEL_INFO;
}

const char *tn_level_name(int level)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    return level >= 0 && level < 5 ? names[level] : "informational";
}
