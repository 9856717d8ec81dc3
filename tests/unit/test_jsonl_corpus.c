/* test_jsonl_corpus.c - the JSON reader over the shared corpus, checked against jansson.
 *
 * Runs only when TN_JSONL_CORPUS is set (tests/corpus/jsonl_read.sh sets
 * it), so the corpus is read once per `make test`, as its own part.
 * jansson, an independent parser, says how many objects each file holds
 * and what their EventIDs are; the reader must agree, record by record,
 * and report no problem. */
#include "tn_test.h"

#include "base/alloc.h"
#include "read/auditd.h"
#include "read/jsonl.h"
#include "read/sniff.h"

#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>

#define MAX_FILES 4096

typedef struct file_list {
    char *path[MAX_FILES];
    int n;
} file_list;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under dir (via find(1): no recursion code to test). */
static void list_files(const char *dir, file_list *out)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "find '%s' -type f 2>/dev/null", dir);
    FILE *p = popen(cmd, "r");
    char line[4096];
    out->n = 0;
    while (p && fgets(line, sizeof(line), p) && out->n < MAX_FILES) {
        line[strcspn(line, "\n")] = '\0';
        out->path[out->n++] = tn_strndup(line, strlen(line));
    }
    if (p)
        pclose(p);
    qsort(out->path, (size_t)out->n, sizeof(char *), by_name);
}

static void free_files(file_list *l)
{
    for (int i = 0; i < l->n; i++)
        tn_free(l->path[i]);
    l->n = 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    fstat(fileno(f), &st);
    char *b = tn_malloc((size_t)st.st_size + 1);
    *n = fread(b, 1, (size_t)st.st_size, f);
    b[*n] = '\0';
    fclose(f);
    return b;
}

static int sniff_file(const char *path)
{
    unsigned char head[512];
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(head, 1, sizeof(head), f);
    fclose(f);
    return tn_input_sniff(head, n);
}

static const char *corpus(void)
{
    const char *c = getenv("CORPUS");
    return c && *c ? c : "../shared/corpus";
}

static int enabled(void)
{
    if (getenv("TN_JSONL_CORPUS"))
        return 1;
    fprintf(stderr, "  (corpus tests run from tests/corpus/jsonl_read.sh)\n");
    return 0;
}

/* EventIDs by jansson: one per top-level object (what is the id of one). */
typedef long (*id_of)(json_t *o);

static long evtx_dump_id(json_t *o)
{
    json_t *id = json_object_get(json_object_get(json_object_get(o, "Event"), "System"), "EventID");
    if (json_is_object(id))
        id = json_object_get(id, "#text");
    return json_is_integer(id) ? (long)json_integer_value(id) : -1;
}

/* EventID, or the <EventID> of an event carried as XML text (Log4Shell's
 * SyslogMessage), or 0. */
static long flat_id(json_t *o)
{
    json_t *id = json_object_get(o, "EventID");
    if (json_is_integer(id))
        return (long)json_integer_value(id);
    const char *xml = json_string_value(json_object_get(o, "SyslogMessage"));
    const char *at = xml ? strstr(xml, "<EventID>") : NULL;
    return at ? strtol(at + 9, NULL, 10) : 0;
}

/* Compares the reader with jansson on one file; returns the event count. */
static long check_file(const char *path, id_of id)
{
    size_t n, off = 0;
    char *text = slurp(path, &n);
    CHECK(text != NULL);
    if (!text)
        return 0;
    tn_diag d = {0};
    tn_jsonl *r;
    CHECK_INT(tn_jsonl_open(path, &d, &r), 0);
    long count = 0;
    tn_event ev;
    for (;;) {
        while (off < n && strchr(" \t\r\n", text[off]))
            off++;
        if (off >= n)
            break;
        json_error_t err;
        json_t *o = json_loadb(text + off, n - off, JSON_DISABLE_EOF_CHECK, &err);
        if (!o) {
            fprintf(stderr, "  %s: jansson: %s\n", path, err.text);
            CHECK(o != NULL);
            break;
        }
        off += (size_t)err.position;
        int rc = tn_jsonl_next(r, &ev);
        CHECK_INT(rc, TN_JSONL_EVENT);
        if (rc != TN_JSONL_EVENT) {
            json_decref(o);
            break;
        }
        if ((long)ev.event_id != id(o))
            fprintf(stderr, "  %s: event %ld: EventID %u, jansson %ld\n", path, count,
                    ev.event_id, id(o));
        CHECK_INT(ev.event_id, id(o));
        CHECK(ev.offset >= 1);
        count++;
        json_decref(o);
    }
    CHECK_INT(tn_jsonl_next(r, &ev), TN_JSONL_END);
    CHECK_INT(tn_diag_total(&d), 0);
    tn_jsonl_close(r);
    tn_free(text);
    return count;
}

TN_TEST(test_jsonl_corpus_sigma_regression)
{
    if (!enabled())
        return;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/sigma/regression_data", corpus());
    file_list l;
    list_files(dir, &l);
    long files = 0, events = 0;
    for (int i = 0; i < l.n; i++) {
        if (ends_with(l.path[i], ".evtx"))
            CHECK_INT(sniff_file(l.path[i]), TN_INPUT_EVTX);
        if (!ends_with(l.path[i], ".json"))
            continue;
        CHECK_INT(sniff_file(l.path[i]), TN_INPUT_JSON);
        events += check_file(l.path[i], evtx_dump_id);
        files++;
    }
    printf("  sigma regression_data: %ld .json files, %ld events\n", files, events);
    CHECK(files >= 200);
    CHECK(events >= files);
    free_files(&l);
}

/* Lines holding anything: in JSON Lines, one event each. */
static long nonblank_lines(const char *path)
{
    size_t n;
    char *t = slurp(path, &n);
    long lines = 0;
    for (char *p = t, *e = t + n; t && p < e;) {
        char *nl = memchr(p, '\n', (size_t)(e - p));
        char *end = nl ? nl : e;
        for (char *q = p; q < end; q++)
            if (!strchr(" \t\r", *q)) {
                lines++;
                break;
            }
        p = end + 1;
    }
    tn_free(t);
    return lines;
}

/* Events of an auditd log; no problem may be reported. */
static long check_auditd(const char *path)
{
    tn_diag d = {0};
    tn_auditd *r;
    CHECK_INT(tn_auditd_open(path, &d, &r), 0);
    tn_event ev;
    long n = 0;
    int rc;
    while ((rc = tn_auditd_next(r, &ev)) == TN_JSONL_EVENT) {
        CHECK(ev.record_id > 0 && ev.time > 0 && ev.nfields > 1);
        n++;
    }
    CHECK_INT(rc, TN_JSONL_END);
    CHECK_INT(tn_diag_total(&d), 0);
    tn_auditd_close(r);
    return n;
}

TN_TEST(test_jsonl_corpus_otrf)
{
    if (!enabled())
        return;
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/otrf-security-datasets-subset", corpus());
    file_list l;
    list_files(dir, &l);
    long files = 0, events = 0, others = 0, audit = 0;
    for (int i = 0; i < l.n; i++) {
        int kind = sniff_file(l.path[i]);
        if (ends_with(l.path[i], ".log")) { /* raw auditd */
            CHECK_INT(kind, TN_INPUT_AUDITD);
            long got = check_auditd(l.path[i]);
            CHECK_INT(got, nonblank_lines(l.path[i]));
            audit += got;
            continue;
        }
        if (!ends_with(l.path[i], ".json")) {
            /* metadata .yaml, README, LICENSE: neither */
            CHECK_INT(kind, TN_INPUT_UNKNOWN);
            others++;
            continue;
        }
        CHECK_INT(kind, TN_INPUT_JSON);
        long got = check_file(l.path[i], flat_id);
        CHECK_INT(got, nonblank_lines(l.path[i]));
        events += got;
        files++;
    }
    printf("  OTRF: %ld JSON Lines files, %ld events; %ld auditd events; %ld other files "
           "sniffed as neither\n", files, events, audit, others);
    CHECK(audit > 0);
    CHECK(files >= 20);
    CHECK(events > 6000);
    free_files(&l);
}
