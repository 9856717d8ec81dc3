/* jsonl.c - frame JSON records from a byte stream, parse and map each one.
 *
 * The framer finds where each top-level record ends without parsing it:
 * it tracks strings, escapes and a stack of open brackets, so it can stop
 * at the closing bracket even when a record spans many reads, and only
 * then is the record parsed whole (json_dom.c) and mapped (jsonl_map.c).
 * Only the record being framed is kept in the buffer.
 *
 * A top-level '[' is looked through: its elements are the records, so a
 * huge array of objects streams like JSON Lines. Other top-level values
 * (numbers, strings) are framed, parsed and reported as "not an object".
 *
 * Recovery after bad input, chosen to lose as little as possible:
 *  - a record that frames but does not parse: reported, reading resumes
 *    right after it (a bad word like `hello world` skips its line);
 *  - a line that starts with no JSON value: reported, resume next line
 *    ("Record 12" header lines of evtx_dump are skipped silently);
 *  - a one-line record that cannot be framed (raw newline in a string,
 *    mismatched or too deep brackets, too long): resume on the next line;
 *    the same in a multi-line record: resume at the next line starting
 *    in column 0 with '{' or '[' (where pretty-printers start records),
 *    or with '{' at the damaged record's own column (an indented array's
 *    records), when that column is known (the record started its line);
 *  - a JSON Lines record left open when a line starting with '{' comes:
 *    reported as truncated, and that line starts the next record; the
 *    same in a multi-line record whose line starts with '{' at its own
 *    column where JSON allows none (inside an object, not after ':'). */
#include "jsonl.h"

#include "base/alloc.h"
#include "base/arena.h"
#include "read/json_dom.h"
#include "read/json_scan.h"
#include "read/gz.h"
#include "read/jsonl_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum mode {
    M_TOP,  /* between records */
    M_REC,  /* framing a record that starts at rec */
    M_BAD,  /* in a line that holds no JSON value: remember its start */
    M_SKIP, /* recovering: drop bytes up to a resynchronisation point */
};

struct tn_jsonl {
    tn_diag *diag;
    char *name;                /* for reports and ev->file */
    int fd;                    /* -1 when reading memory */
    tn_gz *gz;                 /* gzip-compressed input (fd or mem), or NULL */
    const unsigned char *mem;  /* memory input */
    size_t mem_len, mem_pos;
    size_t chunk, max_record;
    int eof;

    unsigned char *buf;        /* window of the input: buf[0..len) */
    size_t cap, len, pos;      /* pos: next byte to scan */
    uint64_t line;             /* line number of buf[pos] */
    int mode;                  /* enum mode */
    int in_array;              /* inside a top-level '[' */
    tn_jnode *pending;         /* the next of a {"Records": [...]} record's elements */
    int rec_records;           /* the record is such an object: 1, 0, -1 not known yet */
    uint64_t array_line;

    /* M_REC */
    size_t rec;                /* record start in buf */
    uint64_t rec_line;
    int depth, in_str, esc;
    int word;                  /* a bare word or number: ends at a delimiter */
    int first_line, compact;   /* compact: content follows the opener on its line */
    int after_nl;              /* last byte was a newline inside the record */
    /* pretty-printed records (several lines each), to find where the
     * next one starts when one is damaged: */
    size_t top_col;            /* M_TOP: bytes since the line's start, a BOM not counted;
                                * COL_UNKNOWN after a record that ended mid-line */
    size_t rec_col;            /* the record's top_col */
    int bol;                   /* only blanks since the last newline in the record */
    size_t lead;               /* those blanks */
    unsigned char prev;        /* the last byte outside strings, not a blank */
    unsigned char stack[TN_JSON_MAX_DEPTH];

    /* M_BAD */
    unsigned char bad[40];
    size_t nbad;

    /* M_SKIP */
    int col0;                  /* wait for a line starting with '{' or '[', or '{' after
                                * skip_col blanks (a pretty-printed array's records are
                                * indented): skip_lead counts them */
    size_t skip_col, skip_lead;
    int at_bol;                /* buf[pos] starts a line */

    uint64_t nreports;         /* problems found in this input */

    tn_arena arena;            /* one record's tree and strings */
    tn_jmap map;
};

/* One TN_P_JSON report, where = "line N". */
static void report(tn_jsonl *r, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(tn_jsonl *r, uint64_t line, const char *fmt, ...)
{
    if (++r->nreports > TN_JSONL_MAX_REPORTS) { /* counted, not printed */
        __atomic_add_fetch(&r->diag->count[TN_P_JSON], 1, __ATOMIC_RELAXED);
        return;
    }
    char where[32], msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(where, sizeof(where), "line %llu", (unsigned long long)line);
    tn_report(r->diag, TN_P_JSON, r->name, where, "%s%s", msg,
              r->nreports == TN_JSONL_MAX_REPORTS
                  ? " (further JSON problems in this input are counted, not shown)" : "");
}

/* ---- input ------------------------------------------------------------ */

static uint64_t count_lines(const unsigned char *s, size_t n)
{
    uint64_t k = 0;
    for (const unsigned char *p = s, *e = s + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        k++;
    return k;
}

static long read_more(tn_jsonl *r, unsigned char *dst, size_t n)
{
    if (r->gz) {
        long got;
        do {
            got = tn_gz_read(r->gz, dst, n);
            if (!tn_gz_will_show(r->gz)) {
                tn_gz_report(r->gz, r->diag, r->name, NULL);   /* counted, or none */
                continue;
            }
            /* at the line the damage cuts into (pos is at line): the end
             * of what this read gave, a read stopping at its problem */
            char where[32];
            snprintf(where, sizeof(where), "line %llu",
                     (unsigned long long)(r->line + count_lines(r->buf + r->pos, (size_t)(dst - (r->buf + r->pos)) +
                                                                    (got > 0 ? (size_t)got : 0))));
            tn_gz_report(r->gz, r->diag, r->name, where);
        } while (got == TN_GZ_AGAIN);
        return got;
    }
    if (r->fd < 0) {
        size_t left = r->mem_len - r->mem_pos;
        if (n > left)
            n = left;
        if (n)
            memcpy(dst, r->mem + r->mem_pos, n);
        r->mem_pos += n;
        return (long)n;
    }
    for (;;) {
        ssize_t got = read(r->fd, dst, n);
        if (got >= 0 || errno != EINTR)
            return (long)got;
    }
}

/* Appends up to chunk bytes, first dropping what is already consumed
 * (everything before pos, or before rec while framing). Returns the count
 * read, 0 at end of input, or TN_JSONL_EIO/ENOMEM. */
static int refill(tn_jsonl *r)
{
    if (r->eof)
        return 0;
    size_t keep = r->mode == M_REC ? r->rec : r->pos;
    if (keep && r->cap - r->len < r->chunk) {
        memmove(r->buf, r->buf + keep, r->len - keep);
        r->len -= keep;
        r->pos -= keep;
        if (r->mode == M_REC)
            r->rec = 0;
    }
    if (r->cap - r->len < r->chunk) {
        size_t cap = r->cap * 2 > r->len + r->chunk ? r->cap * 2 : r->len + r->chunk;
        unsigned char *b = tn_realloc(r->buf, cap);
        if (!b)
            return TN_JSONL_ENOMEM;
        r->buf = b;
        r->cap = cap;
    }
    long got = read_more(r, r->buf + r->len, r->chunk);
    if (got < 0) {
        tn_report(r->diag, TN_P_FILE_OPEN, r->name, NULL, "cannot read: %s", strerror(errno));
        return TN_JSONL_EIO;
    }
    if (got == 0)
        r->eof = 1;
    r->len += (size_t)got;
    return (int)(got > 0);
}

/* ---- framing ---------------------------------------------------------- */

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_delim(unsigned char c)
{
    return is_ws(c) || c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '"';
}

/* Starts recovery after a framing error. A record still on its first
 * line resumes on the next line; a longer one at a column-0 opener. */
static void skip_after_error(tn_jsonl *r)
{
    r->col0 = r->mode == M_REC && r->line != r->rec_line;
    r->skip_col = r->rec_col;
    r->skip_lead = 0;
    r->mode = M_SKIP;
    r->at_bol = 0;
}

static void start_record(tn_jsonl *r, unsigned char c)
{
    r->mode = M_REC;
    r->rec = r->pos;
    r->rec_line = r->line;
    r->rec_records = -1;
    r->depth = r->in_str = r->esc = 0;
    r->word = c != '{' && c != '[' && c != '"';
    r->first_line = 1;
    r->compact = 0;
    r->after_nl = 0;
    r->rec_col = r->top_col;
    r->bol = 0;
    r->lead = 0;
    r->prev = c;
}

static int starts_value(unsigned char c)
{
    return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') ||
           c == 't' || c == 'f' || c == 'n';
}

#define COL_UNKNOWN SIZE_MAX

/* Between records: whitespace, BOMs, the array's brackets and commas. */
static void scan_top(tn_jsonl *r)
{
    while (r->pos < r->len) {
        unsigned char c = r->buf[r->pos];
        if (c == '\n') {
            r->line++;
            r->top_col = 0;
            r->pos++;
            continue;
        } else if (c == 0xEF || c == 0xBB || c == 0xBF) {
            /* BOM bytes anywhere between records: concatenated files */
            r->pos++;
            continue;
        } else if (is_ws(c)) {
        } else if (c == '[' && !r->in_array) {
            r->in_array = 1;
            r->array_line = r->line;
        } else if (r->in_array && c == ',') {
        } else if (r->in_array && c == ']') {
            r->in_array = 0;
        } else if (starts_value(c)) {
            start_record(r, c);
            return;
        } else {
            r->mode = M_BAD;
            r->nbad = 0;
            return;
        }
        r->top_col += r->top_col != COL_UNKNOWN;
        r->pos++;
    }
}

/* Ends the record at pos (exclusive). */
static int record_done(tn_jsonl *r, size_t *rs, size_t *re)
{
    *rs = r->rec;
    *re = r->pos;
    r->mode = M_TOP;
    r->top_col = COL_UNKNOWN;   /* the line goes on: its start is not known here */
    return 1;
}

/* Inside a string: jump to the next quote or newline, over escapes. A
 * raw newline ends the string with an error, even right after '\\'. */
static int scan_string(tn_jsonl *r, size_t *rs, size_t *re)
{
    for (;;) {
        if (r->esc) { /* pos is the escaped byte, maybe the first of a read */
            if (r->buf[r->pos] == '\n')
                break;
            r->esc = 0;
            if (++r->pos >= r->len)
                return 0;
        }
        r->pos += tn_scan_any3(r->buf + r->pos, r->len - r->pos, '"', '\\', '\n');
        if (r->pos >= r->len)
            return 0;
        if (r->buf[r->pos] != '\\')
            break;
        r->esc = 1;
        if (++r->pos >= r->len)
            return 0;
    }
    if (r->buf[r->pos] == '\n') {
        report(r, r->line, "bad JSON: line ends inside a string; record skipped");
        skip_after_error(r);
        return -1;
    }
    r->in_str = 0;
    r->prev = '"';
    r->pos++;
    return r->depth == 0 ? record_done(r, rs, re) : 0;
}

/* Whether the n bytes at s start an AWS CloudTrail file's object,
 * {"Records": ...}: what its loss is then said to cost (every event of
 * the file; records_of) and how to keep them. */
static int cloudtrail_file(const unsigned char *s, size_t n)
{
    static const char *const parts[] = {"{", "\"Records\"", ":", "["};
    size_t i = 0;
    for (size_t p = 0; p < 4; p++) {   /* each after any white space */
        while (i < n && is_ws(s[i]))
            i++;
        size_t k = strlen(parts[p]);
        if (n - i < k || memcmp(s + i, parts[p], k))
            return 0;
        i += k;
    }
    return 1;
}
#define CLOUDTRAIL_HINT " (a CloudTrail file's Records, all of them: `jq -c '.Records[]'` gives one line each)"

/* A bracket: push, or pop and maybe finish. Returns 1 done, 0 on, -1 error. */
static int bracket(tn_jsonl *r, unsigned char c, size_t *rs, size_t *re)
{
    if (c == '{' || c == '[') {
        if (r->depth == TN_JSON_MAX_DEPTH) {
            report(r, r->line, "bad JSON: nesting deeper than %d; record skipped%s", TN_JSON_MAX_DEPTH,
                   cloudtrail_file(r->buf + r->rec, r->pos - r->rec) ? CLOUDTRAIL_HINT : "");
            skip_after_error(r);
            return -1;
        }
        r->stack[r->depth++] = c;
        r->pos++;
        return 0;
    }
    unsigned char open = c == '}' ? '{' : '[';
    if (r->depth == 0 || r->stack[r->depth - 1] != open) {
        report(r, r->line, "bad JSON: unexpected '%c'; record skipped", c);
        skip_after_error(r);
        return -1;
    }
    r->pos++;
    if (--r->depth == 0)
        return record_done(r, rs, re);
    return 0;
}

/* One byte of a record outside strings. Returns 1 done, 0 on, -1 error. */
static int record_byte(tn_jsonl *r, unsigned char c, size_t *rs, size_t *re)
{
    if (r->word) {
        if (is_delim(c))
            return record_done(r, rs, re);
        r->pos++;
        return 0;
    }
    /* a '{' starting a line where JSON allows none: inside an object not
     * after a ':' (a value there follows its key). In a pretty-printed
     * file that is the next record, and this one was cut: one damaged
     * record lost every one after it. A valid record never gets here. */
    int cut = r->depth > 0 && c == '{' &&
              ((r->after_nl && r->compact) || (r->bol && r->rec_col != COL_UNKNOWN && r->lead == r->rec_col &&
                                               r->stack[r->depth - 1] == '{' && r->prev != ':'));
    if (cut) {
        report(r, r->rec_line, "bad JSON: record not closed before line %llu; skipped",
               (unsigned long long)r->line);
        r->mode = M_TOP; /* this line starts the next record */
        r->top_col = r->after_nl ? 0 : r->lead;
        return -1;
    }
    r->after_nl = c == '\n';
    if (c == '\n') {
        r->line++;
        r->first_line = 0;
        r->bol = 1;
        r->lead = 0;
    } else if (!is_ws(c)) {
        r->compact |= r->first_line && r->pos != r->rec;
        r->bol = 0;
        r->prev = c;
    }
    if (c == '"')
        r->in_str = 1;
    else if (c == '{' || c == '[' || c == '}' || c == ']')
        return bracket(r, c, rs, re);
    r->pos++;
    return 0;
}

static int scan_record(tn_jsonl *r, size_t *rs, size_t *re)
{
    while (r->pos < r->len) {
        /* len bytes are taken; the one at pos would make len + 1 */
        size_t len = r->pos - r->rec;
        if (len >= r->max_record && r->rec_records < 0)   /* told once a record */
            r->rec_records = cloudtrail_file(r->buf + r->rec, len);
        if (len >= r->max_record && (!r->rec_records || len >= r->max_record * TN_JSONL_RECORDS_FACTOR)) {
            report(r, r->rec_line, "bad JSON: record longer than %llu bytes; skipped%s",
                   (unsigned long long)(r->rec_records ? r->max_record * TN_JSONL_RECORDS_FACTOR
                                                       : r->max_record),
                   r->rec_records ? CLOUDTRAIL_HINT : "");
            skip_after_error(r);
            return 0;
        }
        unsigned char c = r->buf[r->pos];
        if (!r->in_str && !r->word && (c == ' ' || c == '\t' || c == '\r')) {
            /* indentation of pretty-printed records: a run at once */
            size_t from = r->pos;
            while (++r->pos < r->len && (r->buf[r->pos] == ' ' || r->buf[r->pos] == '\t'))
                ;
            if (r->bol)
                r->lead += r->pos - from;
            r->after_nl = 0;
            continue;
        }
        int rc = r->in_str ? scan_string(r, rs, re) : record_byte(r, c, rs, re);
        if (rc)
            return rc > 0;
    }
    return 0;
}

/* "Record 12" (evtx_dump's header line), with an optional '\r'. */
static int record_header(const unsigned char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    if (n < 8 || memcmp(s, "Record ", 7) != 0)
        return 0;
    for (size_t i = 7; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* The bad line has ended (at pos or end of input): report it. */
static void finish_bad(tn_jsonl *r)
{
    r->mode = M_TOP;
    if (r->nbad < sizeof(r->bad) && record_header(r->bad, r->nbad))
        return;
    char shown[sizeof(r->bad) + 1];
    size_t n = r->nbad < 24 ? r->nbad : 24;
    for (size_t i = 0; i < n; i++)
        shown[i] = r->bad[i] >= 0x20 && r->bad[i] < 0x7F ? (char)r->bad[i] : '?';
    shown[n] = '\0';
    report(r, r->line, "not JSON: \"%s\"%s; rest of line skipped", shown,
           r->nbad > n ? "..." : "");
}

static void scan_bad(tn_jsonl *r)
{
    while (r->pos < r->len) {
        unsigned char c = r->buf[r->pos];
        if (c == '\n') {
            finish_bad(r);
            return;
        }
        if (r->nbad < sizeof(r->bad))
            r->bad[r->nbad] = c;
        r->nbad += r->nbad < sizeof(r->bad);
        r->pos++;
    }
}

static void scan_skip(tn_jsonl *r)
{
    while (r->pos < r->len) {
        if (r->at_bol) {
            unsigned char c = r->buf[r->pos];
            /* the blanks of the damaged record's own indentation, one at
             * a time: the window may end among them */
            if (r->col0 && r->skip_col != COL_UNKNOWN && r->skip_lead < r->skip_col && (c == ' ' || c == '\t')) {
                r->skip_lead++;
                r->pos++;
                continue;
            }
            if (r->col0 && r->skip_lead && r->skip_lead == r->skip_col && c == '{') {
                r->mode = M_TOP;   /* a record at the damaged one's column */
                r->top_col = r->skip_lead;
                return;
            }
            if (r->skip_lead == 0 && (!r->col0 || c == '{' || c == '[')) {
                if (r->col0 && c == '[')
                    r->in_array = 0; /* a new top-level array */
                r->mode = M_TOP;
                r->top_col = 0;
                return;
            }
            r->at_bol = 0;
        }
        const unsigned char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
        if (!nl) {
            r->pos = r->len;
            return;
        }
        r->pos = (size_t)(nl - r->buf) + 1;
        r->line++;
        r->at_bol = 1;
        r->skip_lead = 0;
    }
}

/* End of input: finish what is open. Returns 1 if a record is complete. */
static int frame_eof(tn_jsonl *r, size_t *rs, size_t *re)
{
    switch (r->mode) {
    case M_REC:
        if (r->word)
            return record_done(r, rs, re);
        report(r, r->rec_line, "bad JSON: input ends inside the record (truncated)");
        break;
    case M_BAD:
        finish_bad(r);
        break;
    default:
        break;
    }
    if (r->in_array)
        report(r, r->array_line, "bad JSON: array not closed at end of input");
    r->in_array = 0;
    r->mode = M_TOP;
    return 0;
}

/* Finds the next record: 1 with buf[*rs..*re), 0 at end, <0 error. */
static int frame(tn_jsonl *r, size_t *rs, size_t *re)
{
    for (;;) {
        if (r->pos == r->len) {
            int got = refill(r);
            if (got < 0)
                return got;
            if (got == 0)
                return frame_eof(r, rs, re);
        }
        switch (r->mode) {
        case M_TOP:
            scan_top(r);
            break;
        case M_REC:
            if (scan_record(r, rs, re))
                return 1;
            break;
        case M_BAD:
            scan_bad(r);
            break;
        default:
            scan_skip(r);
            break;
        }
    }
}

/* ---- records to events ------------------------------------------------ */

static const char *const type_names[] = {
    [TN_J_NULL] = "null", [TN_J_FALSE] = "boolean", [TN_J_TRUE] = "boolean",
    [TN_J_NUMBER] = "number", [TN_J_STRING] = "string", [TN_J_ARRAY] = "array",
    [TN_J_OBJECT] = "object",
};

/* Maps n (in: where it lies, for the report) into ev: 1, 0 when it is
 * no object (said), or TN_JSONL_ENOMEM. */
static int map_node(tn_jsonl *r, tn_jnode *n, tn_event *ev, const char *in)
{
    int rc = tn_jmap_event(&r->map, n, ev);
    if (rc < 0)
        return TN_JSONL_ENOMEM;
    if (rc > 0)
        report(r, r->rec_line, "a JSON %s%s, not an object; skipped", type_names[n->type], in);
    return rc == 0;
}

/* What the mapping of the record at rec_line into ev found odd, said;
 * ev's file and line set. Returns 1 (an event). */
static int event_done(tn_jsonl *r, tn_event *ev)
{
    if (r->map.nul)
        report(r, r->rec_line, "'%.60s' holds a NUL character: not taken as the event's own (event kept)",
               r->map.nul);
    if (r->map.dup)
        report(r, r->rec_line, "'%.60s' written twice in one object: the event takes the first value "
                               "(event kept)", r->map.dup);
    if (r->map.badtime && !ev->time) {
        const tn_jnode *t = r->map.badtime;
        size_t k = t->type == TN_J_STRING || t->type == TN_J_NUMBER ? t->text_len : 0;
        if (k > 60)   /* cut at a character's start */
            for (k = 60; k && ((unsigned char)t->text[k] & 0xC0) == 0x80; k--)
                ;
        if (t->type == TN_J_STRING || t->type == TN_J_NUMBER)
            report(r, r->rec_line, "%s'%.*s' is no time tansa reads (RFC 3339, years 1601 to 9999): the event "
                   "is kept without one (1601-01-01 in the timeline)", t->type == TN_J_STRING ? "" : "the number ",
                   (int)k, t->text);
        else
            report(r, r->rec_line, "the event's time is a JSON %s, no time: the event is kept without one "
                   "(1601-01-01 in the timeline)", type_names[t->type]);
    }
    ev->file = r->name;
    ev->offset = r->rec_line;
    return 1;
}

/* Whether root is one of AWS CloudTrail's own files, {"Records": [...]}
 * (an object of that one member, an array): its elements are the events,
 * from *first on (NULL: none). */
static int records_of(const tn_jnode *root, tn_jnode **first)
{
    const tn_jnode *k = root->type == TN_J_OBJECT ? root->kid : NULL;
    if (!k || k->next || k->type != TN_J_ARRAY || k->key_len != 7 || memcmp(k->key, "Records", 7))
        return 0;
    *first = k->kid;
    return 1;
}

/* Parses and maps buf[rs..re). Returns 1 event, 0 skipped, <0 fatal. */
static int record_event(tn_jsonl *r, size_t rs, size_t re, tn_event *ev)
{
    tn_jparse st;
    const unsigned char *s = r->buf + rs;
    tn_jnode *root = tn_json_parse(&r->arena, (const char *)s, re - rs, &st);
    if (!root) {
        if (st.oom)
            return TN_JSONL_ENOMEM;
        uint64_t at = r->rec_line + count_lines(s, st.err_pos);
        const char *ct = cloudtrail_file(s, re - rs) ? CLOUDTRAIL_HINT : "";
        if (at == r->rec_line)
            report(r, at, "bad JSON: %s; record skipped%s", st.err, ct);
        else
            report(r, at, "bad JSON: %s; record from line %llu skipped%s", st.err,
                   (unsigned long long)r->rec_line, ct);
        if (r->word) { /* `hello world`: one report for the line */
            r->mode = M_SKIP;
            r->col0 = 0;
            r->at_bol = 0;
        }
        return 0;
    }
    if (records_of(root, &r->pending)) {   /* its elements are the events (tn_jsonl_next) */
        if (st.bad_unicode)
            report(r, r->rec_line, "invalid UTF-8 or lone surrogate in a string, "
                                   "replaced by U+FFFD (events kept)");
        return 0;
    }
    /* past a record's limit for what began as a Records file only (scan_record):
     * one that is not one is a record, refused as it would have been */
    if (re - rs > r->max_record) {
        report(r, r->rec_line, "bad JSON: record longer than %llu bytes; skipped",
               (unsigned long long)r->max_record);
        return 0;
    }
    int rc = map_node(r, root, ev, "");
    if (rc != 1)
        return rc;
    if (st.bad_unicode)
        report(r, r->rec_line, "invalid UTF-8 or lone surrogate in a string, "
                               "replaced by U+FFFD (event kept)");
    return event_done(r, ev);
}

/* Maps the next element of a pending Records array: 1 event, 0 none
 * left or skipped, <0 fatal. */
static int next_pending(tn_jsonl *r, tn_event *ev)
{
    tn_jnode *n = r->pending;
    r->pending = n->next;
    int rc = map_node(r, n, ev, " in Records");
    return rc == 1 ? event_done(r, ev) : rc;
}

int tn_jsonl_next(tn_jsonl *r, tn_event *ev)
{
    for (;;) {
        while (r->pending) {   /* the arena holds the Records' tree until they are read */
            int rc = next_pending(r, ev);
            if (rc)
                return rc;
        }
        tn_arena_reset(&r->arena);
        size_t rs, re;
        int rc = frame(r, &rs, &re);
        if (rc <= 0)
            return rc;
        rc = record_event(r, rs, re, ev);
        if (rc)
            return rc;
    }
}

/* ---- opening and closing ---------------------------------------------- */

static tn_jsonl *new_reader(const char *name, tn_diag *d)
{
    tn_jsonl *r = tn_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->name = tn_strndup(name, strlen(name));
    if (!r->name) {
        tn_free(r);
        return NULL;
    }
    r->diag = d;
    r->fd = -1;
    r->chunk = TN_JSONL_CHUNK;
    r->max_record = TN_JSONL_MAX_RECORD;
    r->line = 1;
    r->mode = M_TOP;
    tn_arena_init(&r->arena, 64 * 1024);
    r->map.arena = &r->arena;
    return r;
}

int tn_jsonl_open(const char *path, tn_diag *d, tn_jsonl **out)
{
    *out = NULL;
    int std_in = strcmp(path, "-") == 0;
    int fd = std_in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        tn_report(d, TN_P_FILE_OPEN, path, NULL, "cannot open: %s", strerror(errno));
        return TN_JSONL_EIO;
    }
    tn_jsonl *r = new_reader(path, d);
    if (!r) {
        if (!std_in)
            close(fd);
        return TN_JSONL_ENOMEM;
    }
    r->fd = fd;
    unsigned char magic[3];
    /* standard input too when it is a file read from its start (input.c took
     * its gzip in place); a pipe fails pread, and a file read from further
     * on (`(skip; tansa -) < f`) is read from there: its start was taken */
    if ((!std_in || lseek(fd, 0, SEEK_CUR) == 0) && pread(fd, magic, 3, 0) == 3 && tn_gz_is(magic, 3) &&
        !(r->gz = tn_gz_open_fd(fd))) {
        tn_jsonl_close(r);
        return TN_JSONL_ENOMEM;
    }
    *out = r;
    return 0;
}

int tn_jsonl_open_mem(const void *data, size_t n, const char *name, tn_diag *d,
                      tn_jsonl **out)
{
    *out = new_reader(name, d);
    if (!*out)
        return TN_JSONL_ENOMEM;
    (*out)->mem = data;
    (*out)->mem_len = n;
    if (tn_gz_is(data, n) && !((*out)->gz = tn_gz_open_mem(data, n))) {
        tn_jsonl_close(*out);
        *out = NULL;
        return TN_JSONL_ENOMEM;
    }
    return 0;
}

void tn_jsonl_set_limits(tn_jsonl *r, size_t chunk, size_t max_record)
{
    if (chunk)
        r->chunk = chunk;
    if (max_record)
        r->max_record = max_record;
}

void tn_jsonl_close(tn_jsonl *r)
{
    if (!r)
        return;
    tn_gz_close(r->gz);
    if (r->fd > STDIN_FILENO)
        close(r->fd);
    tn_jmap_free(&r->map);
    tn_arena_free(&r->arena);
    tn_free(r->buf);
    tn_free(r->name);
    tn_free(r);
}
