/* fuzz_condition.c - libFuzzer target for the Sigma condition parser.
 *
 * The input is a condition string over a fixed set of search identifiers
 * (some sharing prefixes, one starting with '_'). Any input must either
 * parse into a tree whose references are in range or fail cleanly. What
 * follows a '|' also goes to the legacy aggregation parser (tn_agg_parse),
 * which must fail cleanly or give a known function, operator and a
 * number. */
#include "base/arena.h"
#include "sigma/cond.h"

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void check_tree(const tn_cnode *c, size_t n, int depth)
{
    assert(c && depth < 1000);
    switch (c->op) {
    case TN_C_AND:
    case TN_C_OR:
        check_tree(c->a, n, depth + 1);
        check_tree(c->b, n, depth + 1);
        break;
    case TN_C_NOT:
        check_tree(c->a, n, depth + 1);
        break;
    case TN_C_REF:
        assert(c->ref < n);
        break;
    default:
        assert(c->nrefs >= 1 && c->nrefs <= n);
        for (uint32_t i = 0; i < c->nrefs; i++)
            assert(c->refs[i] < n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[] = {"selection", "selection_img", "selection_cli", "filter_main",
                                  "filter_optional_x", "keywords", "_private", "all", "them1"};
    const size_t n = sizeof(names) / sizeof(names[0]);
    tn_arena a;
    char err[256];
    size_t at;
    tn_arena_init(&a, 4096);
    tn_cnode *c = tn_cond_parse((const char *)data, size, names, n, &a, err, sizeof(err), &at);
    if (c)
        check_tree(c, n, 0);
    else
        assert(at <= size);
    const char *bar = memchr(data, '|', size);
    if (bar) {
        tn_legacy_agg g;
        size_t rest = size - (size_t)(bar + 1 - (const char *)data);
        if (tn_agg_parse(bar + 1, rest, &a, &g, err, sizeof(err), &at) == 0) {
            assert(g.present && g.fn >= TN_AGG_COUNT && g.fn <= TN_AGG_AVG && g.op >= 0 && g.op <= 5);
            assert(g.fn == TN_AGG_COUNT || g.field);
            assert(!g.field || strlen(g.field) > 0);
            assert(!g.group || strlen(g.group) > 0);
        } else {
            assert(at <= rest);
        }
    }
    tn_arena_free(&a);
    return 0;
}
