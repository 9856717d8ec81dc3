/* sink.h - collects one host-day's generated events before they are sorted and written. */
#ifndef TN_GEN_SINK_H
#define TN_GEN_SINK_H

#include "base/arena.h"
#include "gen/gen.h"
#include "gen/org.h"
#include "gen/rng.h"

#include <stdint.h>

/* Events and their strings live until tn_sink_reset(). On allocation
 * failure the sink sets oom and hands out a scratch event, so builders
 * need no error paths; the driver checks oom once per host-day. */
typedef struct tn_sink {
    tn_gen_event *ev;
    uint32_t n, cap;
    tn_arena arena;
    uint32_t seq;           /* next generation-order number */
    int oom;
    tn_gen_event scratch;
} tn_sink;

void tn_sink_init(tn_sink *s);
void tn_sink_reset(tn_sink *s);
void tn_sink_free(tn_sink *s);
/* A zeroed event of type sc at time t, tagged tag (0 = benign). */
tn_gen_event *tn_sink_add(tn_sink *s, const tn_gen_schema *sc, uint64_t t, uint16_t tag);
/* A formatted string that lives as long as the sink's events. */
const char *tn_sink_fmt(tn_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What a builder needs: the org, where events go, the technique tag of
 * the activity being expanded, and its random stream. */
typedef struct tn_ctx {
    const tn_org *o;
    tn_sink *sink;
    uint16_t tag;
    tn_rng *r;
} tn_ctx;

#endif
