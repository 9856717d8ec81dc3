/* test_hunt_timeline.c - run files, their merge, and lines formatted by the
 * workers: a timeline of pre-formatted lines with worker-gathered counts
 * prints the same bytes and summary as one formatted at the end. */
#include "tn_test.h"

#include "base/alloc.h"
#include "base/utf8.h"
#include "hunt/spill.h"
#include "hunt/timeline.h"
#include "sigma_helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static const char rule_yaml[] =
    "title: Test Rule \"quoted\"\n"
    "id: 11111111-2222-3333-4444-555555555555\n"
    "level: high\n"
    "tags:\n  - attack.t1003\n  - attack.credential-access\n"
    "logsource:\n  product: windows\n  service: security\n"
    "detection:\n  sel:\n    EventID: 4624\n  condition: sel\n";

/* n detections in a scrambled order, with ties in time broken by file and
 * offset; details of every 29th are long (past a run's hold, spill.h). */
static tn_det *make_dets(size_t n, char **big)
{
    tn_det *v = calloc(n, sizeof(*v));
    *big = malloc(600 * 1024 + 1);
    memset(*big, 'x', 600 * 1024);
    (*big)[600 * 1024] = '\0';
    static const char *const comps[] = {"HOST-A.corp", "host-b", "C,\"d\""};
    for (size_t i = 0; i < n; i++) {
        size_t k = (i * 7919) % n;
        v[i] = (tn_det){.time = 132000000000000000ull + (k / 3) * 10000000ull, .file = 0,
                        .offset = k, .record_id = k + 1, .event_id = 4624,
                        .level = (uint8_t)(k % 5), .computer = comps[k % 3],
                        .channel = "Security",
                        .details = k % 29 ? "{\"TargetUserName\":\"bob\\tx\",\"LogonType\":\"3\"}" : *big};
    }
    return v;
}

/* One input file named path, and the test rule: the common start of the
 * timeline tests (NULL when the rule does not load). */
typedef struct one_file {
    char path[64];
    tn_input inp;
    tn_inputs in;
} one_file;

static tn_ruleset *load_one(one_file *f, const char *path, uint64_t size)
{
    snprintf(f->path, sizeof(f->path), "%s", path);
    f->inp = (tn_input){.path = f->path, .kind = 0, .size = size};
    f->in = (tn_inputs){.v = &f->inp, .n = 1, .cap = 1};
    tn_ruleset *rs = test_load(rule_yaml, 0);
    CHECK(rs != NULL);
    return rs;
}

/* load_one, then n detections of make_dets into *v (*big as there):
 * NULL, and nothing made, when the rule does not load. */
static tn_ruleset *load_dets(one_file *f, const char *path, uint64_t size, size_t n, tn_det **v,
                             char **big)
{
    tn_ruleset *rs = load_one(f, path, size);
    if (rs)
        *v = make_dets(n, big);
    return rs;
}

TN_TEST(test_spill_roundtrip_with_lines)
{
    char *big;
    size_t n = 50;
    tn_det *v = make_dets(n, &big);
    for (size_t i = 0; i < n; i += 2) {   /* half with a line, half without */
        v[i].line = i % 4 ? "line\n" : big;
        v[i].line_len = (uint32_t)strlen(v[i].line);
    }
    FILE *f = tn_spill_write(v, n);       /* sorts v */
    CHECK(f != NULL);
    tn_run_reader r;
    tn_run_open(&r, f);
    size_t got = 0;
    while (tn_run_next(&r) == 1 && got < n) {
        const tn_det *a = &r.cur, *b = &v[got++];
        CHECK(tn_det_cmp(a, b) == 0);
        CHECK_INT(a->record_id, b->record_id);
        CHECK_INT(a->level, b->level);
        CHECK_STR(a->computer, b->computer);
        CHECK_STR(a->channel, b->channel);
        CHECK_STR(a->details, b->details);
        CHECK((a->line == NULL) == (b->line == NULL));
        if (a->line && b->line) {
            CHECK_STR(a->line, b->line);
            CHECK_INT(a->line_len, b->line_len);
        }
    }
    CHECK_INT(got, n);
    CHECK_INT(tn_run_next(&r), 0);
    tn_run_close(&r);
    free(v);
    free(big);
}

TN_TEST(test_merge_runs_and_arrays_in_order)
{
    char *big;
    size_t n = 300;
    tn_det *v = make_dets(n, &big);
    tn_det *all = malloc(n * sizeof(*all));
    memcpy(all, v, n * sizeof(*all));
    qsort(all, n, sizeof(*all), tn_det_cmp);
    FILE *runs[2] = {tn_spill_write(v, 100), tn_spill_write(v + 100, 120)};
    qsort(v + 220, 80, sizeof(*v), tn_det_cmp);
    tn_det *const arrays[1] = {v + 220};
    size_t lens[1] = {80};
    tn_merge *m = tn_merge_new(runs, 2, arrays, lens, 1);
    CHECK(m != NULL);
    const tn_det *d;
    size_t i = 0;
    while (m && tn_merge_next(m, &d) == 1 && i < n) {
        CHECK(tn_det_cmp(d, &all[i]) == 0);
        CHECK_STR(d->details, all[i].details);
        i++;
    }
    CHECK_INT(i, n);
    tn_merge_free(m);
    free(all);
    free(v);
    free(big);
}

/* The text of a file (from its start). */
static char *slurp(FILE *f)
{
    long n = ftell(f);
    char *s = calloc(1, (size_t)n + 1);
    rewind(f);
    CHECK(fread(s, 1, (size_t)n, f) == (size_t)n);
    return s;
}

/* The timeline and the summary of v, printed by tn_timeline_print; with
 * prefmt, v's lines formatted first and counted in parts (as workers do,
 * keeping the rule's and file's parts of lines: levels vary, so some miss),
 * the parts' counts merged. real: to a file with a descriptor (writev), not
 * a memory stream (stdio). */
static char *print_all(const tn_det *src, size_t n, const tn_ruleset *rs, const tn_inputs *in,
                       int format, int prefmt, int spill, int real)
{
    tn_det *v = malloc(n * sizeof(*v));
    memcpy(v, src, n * sizeof(*v));
    tn_tl_stats st, part[3];
    tn_tl_stats_init(&st);
    tn_buf lines[1];
    tn_buf_init(lines);
    char **keep = calloc(n, sizeof(*keep));
    for (int p = 0; p < 3; p++)
        tn_tl_stats_init(&part[p]);
    tn_tl_cache tc = {0};   /* as the workers format: rule and file parts kept */
    tn_tl_event e = {0};
    for (size_t i = 0; prefmt && i < n; i++) {
        tn_rule_info ri;
        tn_timeline_rule(rs, &v[i], &ri);
        CHECK(tn_tl_stats_add(&part[i % 3], &ri, &v[i]) == 0);
        /* the event's parts, shared with the detection before when it is
         * of the same event (as a worker's detections of one event are) */
        if (i && v[i].file == v[i - 1].file && v[i].offset == v[i - 1].offset && v[i - 1].line) {
            v[i].line = v[i - 1].line;
            v[i].line_len = v[i - 1].line_len;
            memcpy(v[i].part_end, v[i - 1].part_end, sizeof(v[i].part_end));
        } else {
            CHECK(tn_tl_event_make(&e, &v[i], in, format, &tc) == 0);
            keep[i] = malloc(e.end[2] + 1);
            memcpy(keep[i], e.text.data, e.end[2]);
            keep[i][e.end[2]] = '\0';
            v[i].line = keep[i];
            v[i].line_len = e.end[2];
            v[i].part_end[0] = e.end[0];
            v[i].part_end[1] = e.end[1];
        }
        v[i].computer = v[i].channel = v[i].details = "";
    }
    tn_tl_event_free(&e);
    tn_tl_cache_free(&tc);
    for (int p = 0; prefmt && p < 3; p++)
        CHECK(tn_tl_stats_merge(&st, &part[p]) == 0);
    tn_dets ds = {.v = v, .n = n, .cap = n};
    if (spill) {   /* the first half through a run file */
        ds.runs = tn_malloc(sizeof(FILE *));
        ds.runs[0] = tn_spill_write(v, n / 2);
        ds.nruns = 1;
        memmove(v, v + n / 2, (n - n / 2) * sizeof(*v));
        ds.n = n - n / 2;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *out = real ? tmpfile() : open_memstream(&text, &len);
    CHECK(tn_timeline_print(&ds, rs, in, format, 0, out, &st) == 0);
    tn_hunt_stats hs = {.files = 1, .records = 10, .bytes = 1000, .seconds = 1};
    tn_diag dg = {.quiet = 1};
    tn_timeline_summary(&st, rs, &hs, &dg, 0, out);
    if (real)
        text = slurp(out);
    fclose(out);
    tn_free(ds.runs);
    ds.runs = NULL;
    ds.v = NULL;
    tn_dets_free(&ds);
    for (size_t i = 0; i < n; i++)
        free(keep[i]);
    free(keep);
    free(v);
    tn_buf_free(lines);
    for (int p = 0; p < 3; p++)
        tn_tl_stats_free(&part[p]);
    tn_tl_stats_free(&st);
    return text;
}

/* v[0..n) (400 detections) prints the same in every format formatted at
 * the end and formatted first (as workers do), to a memory stream and to
 * a file, with and without its first half through a run on disk. */
static void prints_alike(const tn_det *v, size_t n, const tn_ruleset *rs, const tn_inputs *in)
{
    for (int format = TN_OUT_TABLE; format <= TN_OUT_JSONL; format++)
        for (int spill = 0; spill < 2; spill++) {
            char *a = print_all(v, n, rs, in, format, 0, spill, 0);
            char *b = print_all(v, n, rs, in, format, 1, spill, 0);
            char *c = print_all(v, n, rs, in, format, 1, spill, 1);
            CHECK(a && b && strlen(a) > 1000);
            CHECK(a && b && strcmp(a, b) == 0);
            CHECK(a && c && strcmp(a, c) == 0);
            CHECK(a && strstr(a, "Summary\n  detections: 400") != NULL);
            free(a);
            free(b);
            free(c);
        }
}

TN_TEST(test_preformatted_lines_print_the_same)
{
    one_file f;
    char *big;
    tn_det *v;
    size_t n = 400;   /* past a writev batch; lines of 600 KiB past a run's hold */
    tn_ruleset *rs = load_dets(&f, "logs/sec,\"x\".evtx", 1000, n, &v, &big);
    if (!rs)
        return;
    prints_alike(v, n, rs, &f.in);
    /* Detections of one event share its line's event parts (hunt.h): a
     * run holds them once, and the timeline puts each detection's own
     * rule parts (here its level) between them. n/2 events of two
     * detections each, of other levels. */
    tn_det *w = calloc(n, sizeof(*w));
    for (size_t i = 0; i < n / 2; i++) {
        w[2 * i] = w[2 * i + 1] = v[i];
        w[2 * i + 1].level = (uint8_t)((v[i].level + 2) % 5);
    }
    prints_alike(w, n, rs, &f.in);
    free(w);
    free(v);
    free(big);
    tn_ruleset_free(rs);
}

/* A run holds a shared line once; read back, the detections after the
 * first point at the first one's copy, with the parts' ends kept. */
TN_TEST(test_spill_shared_line_once)
{
    static const char line[] = "event-part-0|event-part-1|event-part-2\n";
    tn_det v[6];
    for (int i = 0; i < 6; i++)
        v[i] = (tn_det){.time = 1000 + (uint64_t)(i / 3), .offset = (uint64_t)(i / 3), .rule = (uint32_t)i,
                        .computer = "", .channel = "", .details = "", .line = line,
                        .line_len = (uint32_t)strlen(line), .part_end = {13, 26}};
    v[5].line = "other\n";   /* of the same event, not shared: written */
    v[5].line_len = 6;
    v[5].part_end[0] = v[5].part_end[1] = 2;
    FILE *fs = tn_spill_write(v, 6);
    CHECK(fs != NULL);
    if (!fs)
        return;
    fseek(fs, 0, SEEK_END);
    long size = ftell(fs);
    rewind(fs);
    /* 6 heads and 2 copies of the line, not 5 */
    CHECK(size < (long)(8 + 6 * 64 + 6 * 4 + 3 * strlen(line)));
    tn_run_reader r;
    tn_run_open(&r, fs);
    const char *first = NULL;
    for (int i = 0; i < 6; i++) {
        CHECK_INT(tn_run_next(&r), 1);
        CHECK_INT(r.cur.rule, (uint32_t)i);
        CHECK(r.cur.line != NULL);
        if (!r.cur.line)
            break;
        if (i == 5) {
            CHECK(strncmp(r.cur.line, "other\n", 6) == 0);
            CHECK_INT(r.cur.part_end[1], 2);
            continue;
        }
        CHECK_INT(r.cur.line_len, (uint32_t)strlen(line));
        CHECK(memcmp(r.cur.line, line, strlen(line)) == 0);
        CHECK_INT(r.cur.part_end[0], 13);
        CHECK_INT(r.cur.part_end[1], 26);
        if (i == 0)
            first = r.cur.line;
        else   /* 3 and 4 too: another event, the same line */
            CHECK(r.cur.line == first);
    }
    CHECK_INT(tn_run_next(&r), 0);
    tn_run_close(&r);
    /* a damaged run: the first head says "the line before's" (there is
     * none); the second's flag is not 0 or 1; the second, the line
     * before's, says its parts end elsewhere (part_end[0] at byte 52);
     * the second's kind (is_corr, 60) or level (61) is none a detection
     * has: an error, not a line */
    static const struct { int head, at, byte; } dmg[] = {
        {0, 62, 1}, {1, 62, 7}, {1, 52, 14}, {1, 60, 2}, {1, 61, 9},
    };
    for (size_t k = 0; k < sizeof(dmg) / sizeof(dmg[0]); k++) {
        FILE *g = tn_spill_write(v, 6);
        CHECK(g != NULL);
        if (!g)
            return;
        CHECK(fseek(g, 8 + 64 * dmg[k].head + dmg[k].at, SEEK_SET) == 0);
        CHECK(fputc(dmg[k].byte, g) != EOF);
        CHECK(fflush(g) == 0 && fseek(g, 0, SEEK_SET) == 0);
        tn_run_open(&r, g);
        int rc = tn_run_next(&r);
        if (dmg[k].head)
            rc = tn_run_next(&r);
        CHECK_INT(rc, -1);
        tn_run_close(&r);
    }
}

/* The line formatter as it was before lines were made of parts (kept
 * here as the reference the parts must equal, byte for byte). */
/* Text for a terminal: control bytes (C0, DEL, C1 as C2 80..9F) and
 * bytes that are not valid UTF-8 as \xHH (since session 22). */
static void ref_safe(tn_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t l = c < 0x80 ? 1 : tn_utf8_len((const unsigned char *)s + i, n - i);
        if (c == 0xC2 && l == 2 && (unsigned char)s[i + 1] <= 0x9F)
            tn_buf_printf(b, "\\x%02x", (unsigned char)s[++i]);
        else if (c < 0x20 || c == 0x7F || !l)
            tn_buf_printf(b, "\\x%02x", c);
        else {
            tn_buf_put(b, s + i, l);
            i += l - 1;
        }
    }
}

/* A CSV cell: as for a terminal, quotes doubled, and a ' before = + - @
 * (formula injection; since session 22). */
static void ref_csv_field(tn_buf *b, const char *s)
{
    tn_buf t;
    tn_buf_init(&t);
    tn_buf_puts(&t, "");
    ref_safe(&t, s, strlen(s));
    tn_buf_putc(b, '"');
    if (strchr("=+-@", *s) && *s)
        tn_buf_putc(b, '\'');
    for (const char *p = t.data; *p; p++) {
        if (*p == '"')
            tn_buf_putc(b, '"');
        tn_buf_putc(b, *p);
    }
    tn_buf_putc(b, '"');
    tn_buf_free(&t);
}

/* details as "k: v ¦ k: v": JSON escapes decoded, newlines and tabs as
 * spaces, control characters through ref_safe. */
static void ref_details_text(tn_buf *b, const char *json)
{
    int in_str = 0, key = 1;
    for (const char *p = json; *p; p++) {
        char c = *p;
        if (in_str) {
            char one[8];
            size_t n = 1;
            if (c == '\\' && p[1]) {
                c = *++p;
                if (c == 'n' || c == 't' || c == 'r') {
                    one[0] = ' ';
                } else if (c == 'b' || c == 'f') {
                    one[0] = c == 'b' ? '\b' : '\f';
                } else if (c == 'u') {
                    unsigned cp = (unsigned)strtoul((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
                    p += 4;
                    /* the reference's details hold no surrogates */
                    if (cp < 0x80) {
                        one[0] = (char)cp;
                    } else if (cp < 0x800) {
                        one[0] = (char)(0xC0 | cp >> 6), one[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
                    } else {
                        one[0] = (char)(0xE0 | cp >> 12), one[1] = (char)(0x80 | (cp >> 6 & 0x3F));
                        one[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
                    }
                } else {
                    one[0] = c;
                }
                ref_safe(b, one, n);
                continue;
            }
            if (c == '"') {
                in_str = 0;
                continue;
            }
            n = (unsigned char)c == 0xC2 && p[1] ? 2 : 1;   /* a C1 pair, or not: ref_safe tells */
            ref_safe(b, p, n);
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

static void ref_line(tn_buf *b, const tn_det *d, const tn_rule_info *ri, const tn_inputs *in,
                     int format, int colour)
{
    static const char *const level_colour[] = {"", "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[1;31m"};
    char ts[32];
    tn_filetime_format(d->time, ts);
    const char *file = in->v[d->file].path;
    if (format == TN_OUT_JSONL) {
        tn_buf_printf(b, "{\"timestamp\":\"%s\",\"computer\":", ts);
        tn_buf_json_str(b, d->computer, strlen(d->computer));
        tn_buf_puts(b, ",\"channel\":");
        tn_buf_json_str(b, d->channel, strlen(d->channel));
        tn_buf_printf(b, ",\"event_id\":%u,\"record_id\":%llu,\"level\":\"%s\",\"rule_id\":",
                      d->event_id, (unsigned long long)d->record_id, tn_level_name(d->level));
        tn_buf_json_str(b, ri->id, strlen(ri->id));
        tn_buf_puts(b, ",\"rule_title\":");
        tn_buf_json_str(b, ri->title, strlen(ri->title));
        tn_buf_puts(b, ",\"tags\":[");
        for (uint32_t t = 0; t < ri->ntags; t++) {
            if (t)
                tn_buf_putc(b, ',');
            tn_buf_json_str(b, ri->tags[t], strlen(ri->tags[t]));
        }
        tn_buf_printf(b, "],\"details\":%s,\"file\":", d->details);
        tn_buf_json_str(b, file, strlen(file));
        tn_buf_puts(b, "}\n");
    } else if (format == TN_OUT_CSV) {
        tn_buf_printf(b, "%s,", ts);
        ref_csv_field(b, d->computer);
        tn_buf_putc(b, ',');
        ref_csv_field(b, d->channel);
        tn_buf_printf(b, ",%u,%llu,%s,", d->event_id, (unsigned long long)d->record_id,
                      tn_level_name(d->level));
        ref_csv_field(b, ri->title);
        tn_buf_putc(b, ',');
        ref_csv_field(b, ri->id);
        tn_buf_putc(b, ',');
        tn_buf t;
        tn_buf_init(&t);
        for (uint32_t k = 0; k < ri->ntags; k++) {
            if (k)
                tn_buf_putc(&t, ' ');
            tn_buf_puts(&t, ri->tags[k]);
        }
        ref_csv_field(b, t.data ? t.data : "");
        tn_buf_clear(&t);
        ref_details_text(&t, d->details);
        tn_buf_putc(b, ',');
        ref_csv_field(b, t.data ? t.data : "");
        tn_buf_free(&t);
        tn_buf_putc(b, ',');
        ref_csv_field(b, file);
        tn_buf_putc(b, '\n');
    } else {
        ts[19] = '\0';
        ts[10] = ' ';
        size_t hl = strcspn(d->computer, ".");
        tn_buf host;
        tn_buf_init(&host);
        ref_safe(&host, d->computer, hl > 16 ? 16 : hl);
        tn_buf_printf(b, "%s  %-16s %s%-8.8s%s  %5u  ", ts, host.data ? host.data : "",
                      colour ? level_colour[d->level] : "", tn_level_name(d->level),
                      colour && d->level ? "\x1b[0m" : "", d->event_id);
        tn_buf_free(&host);
        ref_safe(b, ri->title, strlen(ri->title));
        tn_buf_puts(b, "  | ");
        ref_details_text(b, d->details);
        tn_buf_putc(b, '\n');
    }
}

/* Lines made of parts (the event's made once and reused for several
 * levels of the rule, the rule's kept in a cache across events) equal the
 * reference: times before 1970 and across days, wide and narrow event ids,
 * long host names with and without a domain, escapes in every string. */
TN_TEST(test_line_parts_match_reference)
{
    one_file f;
    tn_ruleset *rs = load_one(&f, "logs\\sec,\"x\".evtx", 1000);
    if (!rs)
        return;
    static const char *const comps[] = {"HOST-A.corp", "a-very-long-host-name-indeed.corp",
                                        "short", "C,\"d\"\\\x01", "", "seventeen-chars-x"};
    static const char *const dets[] = {
        "{}", "{\"TargetUserName\":\"bob\\tx\",\"LogonType\":\"3\"}",
        "{\"CommandLine\":\"C:\\\\Windows\\\\system32\\\\cmd.exe /c \\\"echo, a:b\\\"\\u0001\"}"};
    static const uint64_t times[] = {132000000000000000ull, 132000000000000000ull + 864000000000ull,
                                     132000000000000000ull + 1234567ull, 5ull,
                                     116444736000000000ull, 116444736000000000ull - 1};
    tn_rule_info ri;
    tn_det d0 = {.rule = 0};
    tn_timeline_rule(rs, &d0, &ri);
    tn_buf a, b;
    tn_buf_init(&a);
    tn_buf_init(&b);
    for (int format = TN_OUT_TABLE; format <= TN_OUT_JSONL; format++)
        for (int colour = 0; colour < 2; colour++) {
            tn_tl_cache c = {0};
            tn_tl_event e = {0};
            for (int k = 0; k < 60; k++) {
                tn_det d = {.time = times[k % 6], .record_id = (uint64_t)k * 100003,
                            .event_id = (uint32_t[]){0, 7, 4624, 123456}[k % 4],
                            .computer = comps[k % 6], .channel = k % 2 ? "Security" : "Ch\"an",
                            .details = dets[k % 3]};
                if (k % 7 == 0)   /* every width of number */
                    d.record_id = k % 2 ? UINT64_MAX - (uint64_t)k : (uint64_t)1 << (k % 64);
                /* the same computer on another channel before, and the
                 * same event twice: what the event's parts keep from the
                 * last event is checked, used or not */
                tn_det other = d;
                other.channel = "Other";
                CHECK(tn_tl_event_make(&e, &other, &f.in, format, &c) == 0);
                CHECK(tn_tl_event_make(&e, &d, &f.in, format, &c) == 0);
                if (k % 3 == 0)
                    CHECK(tn_tl_event_make(&e, &d, &f.in, format, &c) == 0);
                for (int level = 0; level < 5; level++) {
                    d.level = (uint8_t)((level + k) % 5);
                    tn_buf_clear(&a);
                    tn_buf_clear(&b);
                    ref_line(&a, &d, &ri, &f.in, format, colour);
                    tn_tl_parts p;
                    long n = tn_tl_line_parts(&p, &e, &d, NULL, rs, format, colour, &c);
                    CHECK(n > 0);
                    for (int i = 0; n > 0 && i < 5; i++)
                        tn_buf_put(&b, p.p[i], p.n[i]);
                    CHECK(n > 0 && (size_t)n == b.len);
                    CHECK_STR(a.data, b.data);
                    tn_buf_clear(&b);
                    tn_timeline_line(&b, &d, &ri, &f.in, format, colour, k % 2 ? &c : NULL);
                    CHECK_STR(a.data, b.data);
                }
            }
            tn_tl_event_free(&e);
            tn_tl_cache_free(&c);
        }
    tn_buf_free(&a);
    tn_buf_free(&b);
    tn_ruleset_free(rs);
}

/* tn_det_sort gives qsort's order with tn_det_cmp, stably: on runs in
 * order and reversed, many equal times, and detections equal in every
 * compared field (told apart by record_id, which tn_det_cmp ignores). */
TN_TEST(test_det_sort_matches_qsort)
{
    uint32_t seed = 7;
    for (int iter = 0; iter < 200; iter++) {
        size_t n = iter % 50 == 49 ? 4000 : (size_t)(iter * 37 % 500);
        tn_det *a = calloc(n ? n : 1, sizeof(*a)), *b = calloc(n ? n : 1, sizeof(*b));
        uint64_t t = 1000;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            uint32_t r = seed >> 8;
            if (r % 8 == 0)   /* a new run starts somewhere, at times far apart too */
                t = r % 16 ? r % 5000 : (uint64_t)r * 2654435761u << (r % 24);
            else if (iter % 3 == 0)
                t -= t > 0;     /* descending */
            else
                t += r % 3;     /* ascending, with equal times */
            a[i] = (tn_det){.time = t, .file = r % 2, .offset = (r >> 3) % 4, .is_corr = (r >> 5) % 2,
                            .rule = (r >> 6) % 3, .record_id = i};
        }
        memcpy(b, a, n * sizeof(*a));
        tn_det_sort(a, n);
        /* an insertion sort: stable, as qsort (a merge sort) is */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && tn_det_cmp(&b[j - 1], &b[j]) > 0; j--) {
                tn_det x = b[j];
                b[j] = b[j - 1];
                b[j - 1] = x;
            }
        for (size_t i = 0; i < n; i++)
            CHECK(a[i].record_id == b[i].record_id);
        free(a);
        free(b);
    }
}

/* Numbers of every length in a JSON line (put_dec counts the digits from
 * the bit length): both sides of each power of ten, as printf writes them. */
TN_TEST(test_jsonl_numbers_every_width)
{
    char path[] = "x.evtx";
    tn_input inp = {.path = path, .kind = 0, .size = 1};
    tn_inputs in = {.v = &inp, .n = 1, .cap = 1};
    tn_tl_event e = {0};
    uint64_t p = 1;
    for (int j = 0; j <= 20; j++) {
        uint64_t vs[3] = {p - 1, p, p + 7};
        if (j == 20)   /* past 10^19: the largest */
            vs[0] = vs[1] = vs[2] = UINT64_MAX;
        for (int k = 0; k < 3; k++) {
            tn_det d = {.time = 132000000000000000ull, .record_id = vs[k],
                        .event_id = (uint32_t)vs[k], .computer = "c", .channel = "ch",
                        .details = "{}"};
            CHECK(tn_tl_event_make(&e, &d, &in, TN_OUT_JSONL, NULL) == 0);
            char want[128];
            snprintf(want, sizeof(want), "\"event_id\":%u,\"record_id\":%llu,", d.event_id,
                     (unsigned long long)d.record_id);
            CHECK(e.text.data && strstr(e.text.data, want) != NULL);
        }
        if (j < 19)
            p *= 10;
    }
    tn_tl_event_free(&e);
}

/* tn_timeline_print's answer for v[0..n) in one run on disk, cut short to
 * 200 bytes when cut, printed to out. */
static int print_run(tn_det *v, size_t n, const tn_ruleset *rs, const tn_inputs *in, int cut, FILE *out)
{
    tn_dets ds = {0};
    ds.runs = tn_malloc(sizeof(FILE *));
    ds.runs[0] = tn_spill_write(v, n);
    ds.nruns = 1;
    CHECK(ds.runs[0] != NULL);
    if (cut && ds.runs[0])
        CHECK(ftruncate(fileno(ds.runs[0]), 200) == 0);
    tn_tl_stats st;
    tn_tl_stats_init(&st);
    int rc = tn_timeline_print(&ds, rs, in, TN_OUT_JSONL, 0, out, &st);
    int e = errno;
    tn_tl_stats_free(&st);
    tn_dets_free(&ds);
    errno = e;
    return rc;
}

/* What stops a timeline is told apart (cmd_hunt.c says which): a run of
 * detections that cannot be read back (here cut short), a write that
 * fails (/dev/full), neither for a good run. */
TN_TEST(test_timeline_failures_told_apart)
{
    one_file f;
    char *big;
    tn_det *v;
    size_t n = 60;
    tn_ruleset *rs = load_dets(&f, "x.evtx", 1, n, &v, &big);
    if (!rs)
        return;
    FILE *out = tmpfile();
    CHECK_INT(print_run(v, n, rs, &f.in, 0, out), 0);
    CHECK_INT(print_run(v, n, rs, &f.in, 1, out), TN_TL_EREAD);
    /* a run naming a rule or correlation the set does not have (one rule,
     * no correlation): damaged, with or without its line */
    for (int k = 0; k < 3; k++) {
        tn_det *bad = malloc(n * sizeof(*bad));
        memcpy(bad, v, n * sizeof(*bad));
        bad[7].rule = k == 0 ? 999 : 0;
        bad[7].is_corr = k > 0;
        if (k == 2) {
            bad[7].line = "a|b|c\n";
            bad[7].line_len = 6;
            bad[7].part_end[0] = 1;
            bad[7].part_end[1] = 3;
            bad[7].computer = bad[7].channel = bad[7].details = "";
        }
        CHECK_INT(print_run(bad, n, rs, &f.in, 0, out), TN_TL_EREAD);
        free(bad);
    }
    fclose(out);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        CHECK_INT(print_run(v, n, rs, &f.in, 0, full), TN_TL_EWRITE);
        CHECK_INT(errno, ENOSPC);
        fclose(full);
    }
    free(v);
    free(big);
    tn_ruleset_free(rs);
}

/* Counting a new rule or computer when memory runs out leaves no key
 * without a count: the counts were grown after the key went in, and the
 * summary read the count of such a key through a NULL array (UBSan, the
 * unit tests' build). Every allocation of counting 70 rules (past the
 * first growth of the counts, at 64) and a computer fails in turn. */
TN_TEST(test_stats_out_of_memory_keeps_keys_counted)
{
    tn_ruleset *rs = test_load(rule_yaml, 0);
    CHECK(rs != NULL);
    if (!rs)
        return;
    tn_hunt_stats hs = {0};
    tn_diag d = {0};
    int failed = 0;
    for (long at = 0; at < 200; at++) {
        tn_tl_stats st;
        tn_tl_stats_init(&st);
        tn_tl_stats_det(&st, TN_LEVEL_HIGH, 1);
        char title[32];
        tn_alloc_fail_after(at);
        int rc = tn_tl_stats_computer(&st, "host", 1);
        for (int i = 0; !rc && i < 70; i++) {
            snprintf(title, sizeof(title), "rule %d", i);
            tn_rule_info ri = {.title = title, .id = "id"};
            rc = tn_tl_stats_rule(&st, &ri, 1);
        }
        tn_alloc_fail_after(-1);
        failed += rc != 0;
        /* every key has its count; the summary reads them all */
        for (uint32_t i = 0; i < st.rules.count; i++)
            CHECK(st.rule_n && i < st.cap_rule);
        for (uint32_t i = 0; i < st.computers.count; i++)
            CHECK(st.comp_n && i < st.cap_comp);
        FILE *out = tmpfile();
        CHECK(out != NULL);
        if (out) {
            tn_timeline_summary(&st, rs, &hs, &d, 0, out);
            fclose(out);
        }
        tn_tl_stats_free(&st);
    }
    CHECK(failed > 3);   /* the failures were hit, not skipped */
    tn_ruleset_free(rs);
}

/* The table and CSV details decode JSON escapes (a surrogate pair is one
 * character) and show control characters, C1 too, as \xHH: log text must
 * not reach a terminal as an escape sequence, nor lose its backslashes. */
TN_TEST(test_table_details_decoded_and_safe)
{
    one_file f;
    tn_ruleset *rs = load_one(&f, "x.evtx", 1);
    if (!rs)
        return;
    tn_rule_info ri;
    tn_det d = {.rule = 0, .time = 132000000000000000ull, .computer = "H\x1b[31m", .channel = "C",
                .details = "{\"A\":\"x\\ud83d\\ude00y\\u009b2J\\u001b]0;t\\u0007 \\\\n \\\"q\\\" \\u00e9\","
                           "\"B\":\"raw \xC2\x9B" "31m \xC2\xA9\"}"};
    tn_timeline_rule(rs, &d, &ri);
    tn_buf b;
    tn_buf_init(&b);
    tn_timeline_line(&b, &d, &ri, &f.in, TN_OUT_TABLE, 0, NULL);
    CHECK(strstr(b.data, "A: x\xF0\x9F\x98\x80y\\x9b2J\\x1b]0;t\\x07 \\n \"q\" \xC3\xA9") != NULL);
    CHECK(strstr(b.data, "H\\x1b[31m") != NULL);
    CHECK(strstr(b.data, "B: raw \\x9b31m \xC2\xA9") != NULL);   /* a raw C1 CSI too; (c) stays */
    for (size_t i = 0; i + 1 < b.len; i++)   /* the line's own newline ends it */
        CHECK((unsigned char)b.data[i] >= 0x20 && b.data[i] != 0x7F);
    tn_buf_clear(&b);
    tn_timeline_line(&b, &d, &ri, &f.in, TN_OUT_CSV, 0, NULL);
    CHECK(strstr(b.data, "A: x\xF0\x9F\x98\x80y\\x9b2J\\x1b]0;t\\x07") != NULL);
    tn_buf_free(&b);
    tn_ruleset_free(rs);
}

/* The bidirectional controls passed into the table and CSV as they were:
 * "rtl \u202E gnp.exe" showed as "rtl exe.png" (a review, session 25).
 * They are shown as \u202E there; JSON Lines keep them, escaped or not. */
TN_TEST(test_table_csv_bidi_controls_shown)
{
    one_file f;
    tn_ruleset *rs = load_one(&f, "x.evtx", 1);
    if (!rs)
        return;
    tn_rule_info ri;
    tn_det d = {.rule = 0, .time = 132000000000000000ull, .computer = "H\xE2\x80\xAEX", .channel = "C",
                .details = "{\"A\":\"rtl \\u202e gnp.exe \xE2\x81\xA6i\xE2\x81\xA9 \xD8\x9C \xE2\x80\x8F \xE2\x80\x94\"}"};
    tn_timeline_rule(rs, &d, &ri);
    tn_buf b;
    tn_buf_init(&b);
    for (int fmt = 0; fmt < 2; fmt++) {
        tn_buf_clear(&b);
        tn_timeline_line(&b, &d, &ri, &f.in, fmt ? TN_OUT_CSV : TN_OUT_TABLE, 0, NULL);
        CHECK(strstr(b.data, "A: rtl \\u202E gnp.exe \\u2066i\\u2069 \\u061C \\u200F \xE2\x80\x94") != NULL);
        CHECK(strstr(b.data, "H\\u202EX") != NULL);
        CHECK(strstr(b.data, "\xE2\x80\xAE") == NULL);   /* no raw control left; the dash stays */
    }
    tn_buf_free(&b);
    tn_ruleset_free(rs);
}
