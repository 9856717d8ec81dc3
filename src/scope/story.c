/* story.c - `scope --format text`: the compromise told as lines ordered by time, then the verdicts. */
#include "scope/scope_int.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct line {
    uint64_t time;
    uint32_t seq;
    size_t off; /* into the text buffer */
} line;

typedef struct story {
    line *v;
    size_t n, cap;
    tn_buf text;
} story;

static const char *hn(const tn_scope *s, int32_t h) { return h < 0 ? "?" : tn_map_key(&s->hosts, (uint32_t)h); }
static const char *an(const tn_scope *s, int32_t a) { return a < 0 ? "?" : s->acct_name[a]; }

/* Start a line at time t; its text follows in st->text up to a NUL. */
static void begin(story *st, uint64_t t)
{
    if (st->n && st->text.data)
        tn_buf_putc(&st->text, '\0');
    if (sc_grow((void **)&st->v, &st->cap, st->n, sizeof(line))) {
        st->text.oom = 1;
        return;
    }
    st->v[st->n] = (line){t, (uint32_t)st->n, st->text.len};
    st->n++;
}

static void hosts(const tn_scope *s, story *st)
{
    for (size_t i = 0; i < s->nhv; i++) {
        const sc_host *h = &s->hv[i];
        if (!h->time)
            continue;
        begin(st, h->time);
        if (h->how == HOW_SEED) {
            tn_buf_printf(&st->text, "host %s compromised (seed)", hn(s, (int32_t)i));
            continue;
        }
        const sc_proof *r = &h->proof;
        tn_buf_printf(&st->text, "host %s compromised: %s logged on from %s (type %u) [%s #%llu]",
                      hn(s, (int32_t)i), an(s, r->account), hn(s, r->src), r->ltype,
                      s->files[r->file], (unsigned long long)r->record_id);
    }
}

static void accounts(const tn_scope *s, story *st)
{
    static const char *const verb[] = {"", "seed", "", "exposed by an interactive logon on",
                                       "used explicitly (4648) on", "in LSASS memory dumped on"};
    for (size_t i = 0; i < s->nav; i++) {
        const sc_acct *a = &s->av[i];
        if (!a->time)
            continue;
        begin(st, a->time);
        if (a->how == HOW_SEED) {
            tn_buf_printf(&st->text, "account %s compromised (seed)", an(s, (int32_t)i));
            continue;
        }
        const sc_proof *r = &a->proof;
        tn_buf_printf(&st->text, "account %s compromised: %s %s [%s #%llu]", an(s, (int32_t)i),
                      verb[a->how], hn(s, r->host), s->files[r->file], (unsigned long long)r->record_id);
    }
}

static void rest(const tn_scope *s, story *st)
{
    for (size_t i = 0; i < s->nedge; i++) {
        const sc_edge *r = &s->edge[i];
        const sc_host *d = &s->hv[r->dst];
        if (d->how == HOW_LATERAL && d->time == r->time && d->proof.file == r->file &&
            d->proof.record_id == r->record_id)
            continue; /* told as the host's compromise */
        begin(st, r->time);
        tn_buf_printf(&st->text, "  logon %s -> %s as %s (type %u)", hn(s, r->src), hn(s, r->dst),
                      an(s, r->account), r->ltype);
    }
    for (size_t i = 0; i < s->nobj; i++) {
        const sc_obj *r = &s->obj[i];
        begin(st, r->time);
        tn_buf_printf(&st->text, "  %s touched %s:%s\\%s (%u)", an(s, r->account), hn(s, r->host),
                      sc_str(s, s->obj[i].share), sc_str(s, s->obj[i].path), r->event_id);
    }
    static const char *const why[] = {"cleared", "silent", "missing record ids"};
    for (size_t i = 0; i < s->ngap; i++) {
        const sc_gap *g = &s->gap[i];
        char to[32];
        tn_filetime_format(g->to, to);
        begin(st, g->from);
        tn_buf_printf(&st->text, "gap: %s %s log %s until %s", hn(s, g->host),
                      sc_str(s, (int32_t)g->channel), why[g->reason], to);
    }
}

static int line_order(const void *a, const void *b)
{
    const line *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return x->seq < y->seq ? -1 : 1;
}

void tn_scope_text(const tn_scope *s, tn_buf *b)
{
    story st = {0};
    tn_buf_init(&st.text);
    hosts(s, &st);
    accounts(s, &st);
    rest(s, &st);
    tn_buf_putc(&st.text, '\0');
    if (!tn_buf_ok(&st.text))
        b->oom = 1;
    if (st.n)
        qsort(st.v, st.n, sizeof(line), line_order);
    char t[32], u[32];
    for (size_t i = 0; tn_buf_ok(&st.text) && i < st.n; i++) {
        tn_filetime_format(st.v[i].time, t);
        const char *l = st.text.data + st.v[i].off;
        tn_buf_printf(b, "%s  ", t);
        tn_buf_safe(b, l, strlen(l));   /* host, account and file names are the logs' */
        tn_buf_putc(b, '\n');
    }
    if (s->win_from) {
        tn_filetime_format(s->win_from, t);
        tn_filetime_format(s->win_to, u);
        tn_buf_printf(b, "\nbreach window: %s to %s\n", t, u);
    }
    static const char *const v[] = {"touched", "assured_untouched", "cannot_assure"};
    for (size_t i = 0; i < s->njw; i++) {
        const char *h = hn(s, s->jw[i].host);
        tn_buf_puts(b, "crown jewel ");
        tn_buf_safe(b, h, strlen(h));
        tn_buf_printf(b, ": %s (%s)\n", v[s->jw[i].verdict], s->jw[i].reason);
    }
    tn_buf_printf(b, "\n%zu events read, %zu edges, %zu objects touched, %zu gaps\n",
                  (size_t)s->nevents, s->nedge, s->nobj, s->ngap);
    tn_free(st.v);
    tn_buf_free(&st.text);
}
