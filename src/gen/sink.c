/* sink.c - the per-host-day event buffer: grows by doubling, strings in an arena. */
#include "gen/sink.h"

#include "base/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tn_sink_init(tn_sink *s)
{
    memset(s, 0, sizeof(*s));
    tn_arena_init(&s->arena, 1 << 16);
}

void tn_sink_reset(tn_sink *s)
{
    s->n = 0;
    s->seq = 0;
    tn_arena_reset(&s->arena);
}

void tn_sink_free(tn_sink *s)
{
    tn_free(s->ev);
    tn_arena_free(&s->arena);
    memset(s, 0, sizeof(*s));
}

tn_gen_event *tn_sink_add(tn_sink *s, const tn_gen_schema *sc, uint64_t t, uint16_t tag)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 256;
        tn_gen_event *ev = tn_realloc(s->ev, (size_t)cap * sizeof(*ev));
        if (!ev) {
            s->oom = 1;
            memset(&s->scratch, 0, sizeof(s->scratch));
            s->scratch.sc = sc;
            return &s->scratch;
        }
        s->ev = ev;
        s->cap = cap;
    }
    tn_gen_event *e = &s->ev[s->n++];
    memset(e, 0, sizeof(*e));
    e->sc = sc;
    e->time = t;
    e->tag = tag;
    e->seq = s->seq++;
    return e;
}

const char *tn_sink_fmt(tn_sink *s, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return "";
    if ((size_t)n >= sizeof(tmp))
        n = sizeof(tmp) - 1;
    char *p = tn_arena_strndup(&s->arena, tmp, (size_t)n);
    if (!p) {
        s->oom = 1;
        return "";
    }
    return p;
}
