/* test_event_copy.c - tn_event_copy, which hunt uses to match events in
 * batches: a copy must equal its event and outlive the reader's buffers,
 * for EVTX events (one text block, rebased) and for events without one
 * (strings copied one by one). */
#include "tn_test.h"

#include "base/arena.h"
#include "base/buf.h"
#include "read/event.h"
#include "read/event_json.h"
#include "read/evtx.h"
#include "read/evtx_event.h"

#include <stdlib.h>
#include <string.h>

typedef struct copies {
    tn_arena a;
    tn_buf want;        /* every record's tn_event_json, one a line, as read */
    tn_event **ev;      /* the copies, in record order */
    size_t n, cap;
    long bad;           /* a copy unlike its event at once */
    long blocks;        /* events that came with a text block */
} copies;

static int keep(void *arg, const tn_evtx_record *r)
{
    copies *c = arg;
    tn_event ev;
    if (tn_evtx_event(r, &ev))
        return 0;
    c->blocks += ev.text != NULL;
    tn_event *e = tn_event_copy(&ev, &c->a);
    if (!e || (c->n == c->cap && !(c->ev = realloc(c->ev, (c->cap = c->cap * 2 + 64) * sizeof(*c->ev)))))
        return 1;
    c->ev[c->n++] = e;
    tn_buf one = {0}, two = {0};
    tn_event_json(&ev, &one);
    tn_event_json(e, &two);
    if (one.len != two.len || memcmp(one.data, two.data, one.len))
        c->bad++;
    tn_buf_put(&c->want, one.data, one.len);
    tn_buf_putc(&c->want, '\n');
    tn_buf_free(&one);
    tn_buf_free(&two);
    return 0;
}

/* Reads the corpus's Sysmon sample, every chunk, giving each record to fn
 * with one chunk context, freed at the end; the number of chunks, or 0
 * when the file could not be opened. */
static size_t read_sample(tn_evtx_cb fn, void *arg)
{
    const char *corpus = getenv("CORPUS") ? getenv("CORPUS") : "../shared/corpus";
    char path[1024];
    snprintf(path, sizeof(path), "%s%s", corpus,
             "/evtx-attack-samples/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx");
    tn_diag d = {.quiet = 1};
    bx_chunk ctx;
    tn_evtx *f;
    if (bx_chunk_init(&ctx) || tn_evtx_open(path, &d, &f)) {
        bx_chunk_free(&ctx);
        return 0;
    }
    size_t nchunks = tn_evtx_nchunks(f);
    for (size_t i = 0; i < nchunks; i++)
        tn_evtx_read_chunk(f, i, &ctx, 0, fn, arg);
    tn_evtx_close(f);
    bx_chunk_free(&ctx);
    return nchunks;
}

/* Every copy of a file's events, read after the whole file (the reader's
 * buffers reused by every later record and chunk), still gives the JSON
 * its event gave. */
TN_TEST(test_event_copy_outlives_the_evtx_reader)
{
    copies c = {0};
    tn_arena_init(&c.a, 0);
    CHECK(read_sample(keep, &c) > 1);   /* copies outlive chunks too */
    CHECK(c.n > 500);
    CHECK_INT(c.blocks, (long)c.n);
    CHECK_INT(c.bad, 0);
    tn_buf got = {0};
    for (size_t i = 0; i < c.n; i++) {
        tn_event_json(c.ev[i], &got);
        tn_buf_putc(&got, '\n');
    }
    CHECK_INT((long)got.len, (long)c.want.len);
    CHECK(got.len == c.want.len && !memcmp(got.data, c.want.data, got.len));
    tn_buf_free(&got);
    tn_buf_free(&c.want);
    free(c.ev);
    tn_arena_free(&c.a);
}

/* An event without a text block (as the JSON and auditd readers give):
 * every string is copied, so scribbling over the originals leaves the copy
 * as it was; file is borrowed. */
TN_TEST(test_event_copy_without_block)
{
    char prov[] = "Microsoft-Windows-Sysmon", chan[] = "Microsoft-Windows-Sysmon/Operational";
    char comp[] = "PC01", sid[] = "S-1-5-18", guid[] = "";
    char n1[] = "Image", v1[] = "C:\\Windows\\System32\\whoami.exe", n2[] = "CommandLine", v2[] = "";
    tn_field fs[2] = {{n1, v1, 5, (uint32_t)strlen(v1), 0}, {n2, v2, 11, 0, 1}};
    tn_event ev = {.provider = prov, .provider_guid = guid, .channel = chan, .computer = comp,
                   .user_sid = sid, .event_id = 1, .record_id = 42, .time = 132000000000000000ull,
                   .fields = fs, .nfields = 2, .file = "in.jsonl", .offset = 7};
    tn_buf want = {0}, got = {0};
    tn_event_json(&ev, &want);
    tn_arena a;
    tn_arena_init(&a, 0);
    tn_event *e = tn_event_copy(&ev, &a);
    CHECK(e != NULL);
    memset(prov, 'x', sizeof(prov) - 1);
    memset(chan, 'x', sizeof(chan) - 1);
    memset(v1, 'x', sizeof(v1) - 1);
    memset(n2, 'x', sizeof(n2) - 1);
    fs[0].value_len = 3;
    tn_event_json(e, &got);
    CHECK_INT((long)got.len, (long)want.len);
    CHECK(got.len == want.len && !memcmp(got.data, want.data, got.len));
    CHECK(e->file == ev.file);
    CHECK(e->fields != fs && e->fields[1].is_null == 1 && e->fields[1].value_len == 0);
    CHECK(e->text == NULL);
    tn_buf_free(&want);
    tn_buf_free(&got);
    tn_arena_free(&a);
}

/* tn_event_take, as hunt's batches use it: each event of a file is taken
 * into one of nstores stores, in turn, and checked when its store comes
 * round again, after nstores - 1 more events were read and taken (the
 * reader building each in storage an earlier take handed it). */
typedef struct takes {
    tn_event_store *st;
    tn_event *ev;
    tn_buf *want;   /* the JSON each held event gave when read */
    size_t nstores, n;
    long bad, taken, checked, retaken;
} takes;

static void check_held(takes *t, size_t i)
{
    tn_buf got = {0};
    tn_event_json(&t->ev[i], &got);
    if (got.len != t->want[i].len || memcmp(got.data, t->want[i].data, got.len))
        t->bad++;
    t->checked++;
    tn_buf_free(&got);
}

static int take_one(void *arg, const tn_evtx_record *r)
{
    takes *t = arg;
    tn_event ev;
    if (tn_evtx_event(r, &ev))
        return 0;
    size_t i = t->n++ % t->nstores;
    if (t->n > t->nstores)
        check_held(t, i);   /* read nstores - 1 events ago */
    tn_buf_clear(&t->want[i]);
    tn_event_json(&ev, &t->want[i]);
    if (t->n == 1) {   /* a copy is not the reader's storage */
        tn_arena a;
        tn_arena_init(&a, 0);
        tn_event *c = tn_event_copy(&ev, &a), out;
        tn_event_store st = {0};
        t->retaken += !c || c->owner != NULL || tn_event_take(c, &st, &out);
        tn_arena_free(&a);
    }
    if (!tn_event_take(&ev, &t->st[i], &t->ev[i]))
        return 1;
    t->taken++;
    /* the reader's storage is gone: the same event cannot be taken twice */
    tn_event again;
    tn_event_store other = {0};
    t->retaken += tn_event_take(&ev, &other, &again);
    tn_event_store_free(&other);
    return 0;
}

TN_TEST(test_event_take_outlives_the_evtx_reader)
{
    const size_t sizes[] = {1, 2, 3, 32};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        takes t = {.nstores = sizes[s]};
        t.st = calloc(t.nstores, sizeof(*t.st));
        t.ev = calloc(t.nstores, sizeof(*t.ev));
        t.want = calloc(t.nstores, sizeof(*t.want));
        CHECK(t.st && t.ev && t.want);
        /* the reader's chunk context is freed before the held events are
         * checked: they are the stores' now */
        CHECK(read_sample(take_one, &t) > 1);
        for (size_t i = 0; i < t.nstores && i < t.n; i++)
            check_held(&t, i);
        CHECK(t.n > 500);
        CHECK_INT(t.taken, (long)t.n);
        CHECK_INT(t.checked, (long)t.n);
        CHECK_INT(t.bad, 0);
        CHECK_INT(t.retaken, 0);
        for (size_t i = 0; i < t.nstores; i++) {
            tn_event_store_free(&t.st[i]);
            tn_buf_free(&t.want[i]);
        }
        free(t.st);
        free(t.ev);
        free(t.want);
    }
}

/* Events without the reader's storage (the JSON and auditd readers, or a
 * copy) are not taken: the caller copies them. */
TN_TEST(test_event_take_needs_an_owner)
{
    tn_field fs[1] = {{"Image", "x.exe", 5, 5, 0}};
    tn_event ev = {.provider = "", .provider_guid = "", .channel = "c", .computer = "",
                   .user_sid = "", .fields = fs, .nfields = 1};
    tn_event_store st = {0};
    tn_event out;
    CHECK_INT(tn_event_take(&ev, &st, &out), 0);
    CHECK(st.text == NULL && st.fields == NULL);
}

/* The System members each EVTX record holds are recorded (tn_event.present,
 * for Sigma's exists, null and ''): a Sysmon record has them all, and its
 * copy keeps the record. */
typedef struct sys_held {
    long n, all, copied;
} sys_held;

static int sys_held_cb(void *arg, const tn_evtx_record *r)
{
    sys_held *h = arg;
    tn_event ev;
    if (tn_evtx_event(r, &ev))
        return 0;
    uint32_t want = TN_EV_BIT(TN_EV_KNOWN);
    for (int b = TN_EV_EVENTID; b <= TN_EV_TIME; b++)
        want |= TN_EV_BIT(b);
    h->n++;
    h->all += ev.present == want;
    tn_arena a;
    tn_arena_init(&a, 0);
    tn_event *e = tn_event_copy(&ev, &a);
    h->copied += e && e->present == ev.present;
    tn_arena_free(&a);
    return 0;
}

TN_TEST(test_evtx_system_members_held)
{
    sys_held h = {0};
    CHECK(read_sample(sys_held_cb, &h) > 0);
    CHECK(h.n > 100);
    CHECK_INT(h.all, h.n);
    CHECK_INT(h.copied, h.n);
}
