/* corrwin.c - a window's sum or ordered run kept as two stacks (corrwin.h).
 *
 * Runs: an entry's reference is a number 0..k-1, and a run is a strictly
 * increasing subsequence of them. A table t[a][b] (a <= b) holds the
 * longest run using references a..b. Joining a run of the older part X
 * with one of the newer part Y splits the references at some c:
 * X using 0..c, then Y using c+1..k-1. So the front keeps, per suffix,
 * only its row t[0][c] for every c, and the back keeps its whole table,
 * which one appended reference r updates in place:
 *   t[a][b] = max(t[a][b], t[a][r-1] + 1)   for a <= r <= b,
 * and the front's suffixes are made newest first by prepending r:
 *   t[a][b] = max(t[a][b], 1 + t[r+1][b])   for a <= r <= b.
 * Each reads a row or column that its own update does not write. */
#include "match/corrwin.h"

#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>

int tn_cwin_init(tn_cwin *w, uint32_t k)
{
    memset(w, 0, sizeof(*w));
    w->k = k;
    if (k) {
        w->bm = tn_calloc((size_t)k * k, sizeof(*w->bm));
        w->w = tn_calloc((size_t)k * k, sizeof(*w->w));
        if (!w->bm || !w->w) {
            tn_cwin_free(w);
            return -1;
        }
    }
    return 0;
}

void tn_cwin_free(tn_cwin *w)
{
    tn_free(w->fsum);
    tn_free(w->ffix);
    tn_free(w->fcnt);
    tn_free(w->frow);
    tn_free(w->bm);
    tn_free(w->w);
    memset(w, 0, sizeof(*w));
}

static void back_clear(tn_cwin *w)
{
    w->nb = 0;
    w->bsum = 0;
    w->bfix = 0;
    w->bcnt = 0;
    if (w->k)
        memset(w->bm, 0, (size_t)w->k * w->k * sizeof(*w->bm));
}

void tn_cwin_clear(tn_cwin *w)
{
    w->nf = w->ff = 0;
    back_clear(w);
}

void tn_cwin_push(tn_cwin *w, tn_cwin_item it)
{
    w->nb++;
    if (!w->k) {
        if (it.isnum && it.exact)
            w->bfix += it.fix, w->bcnt++;
        else if (it.isnum)
            w->bsum += it.num, w->bcnt++;
        return;
    }
    uint32_t k = w->k, r = it.ref;
    if (r >= k)
        return;
    for (uint32_t a = 0; a <= r; a++) {
        uint32_t *row = w->bm + (size_t)a * k;
        uint32_t v = 1 + (r > a ? row[r - 1] : 0);
        for (uint32_t b = r; b < k; b++)
            if (row[b] < v)
                row[b] = v;
    }
}

/* The back's entries become the front: their suffix aggregates, newest
 * first. */
static int flip(tn_cwin *w, tn_cwin_get get, void *ctx)
{
    size_t n = w->nb, k = w->k;
    if (n > w->fcap) {
        size_t cap = w->fcap ? w->fcap : 16;
        while (cap < n)
            cap *= 2;
        if (!k) {
            double *s = tn_realloc(w->fsum, cap * sizeof(*s));
            if (s)
                w->fsum = s;
            tn_cwin_fix *x = s ? tn_realloc(w->ffix, cap * sizeof(*x)) : NULL;
            if (x)
                w->ffix = x;
            uint32_t *c = x ? tn_realloc(w->fcnt, cap * sizeof(*c)) : NULL;
            if (!c)
                return -1;
            w->fcnt = c;
        } else {
            uint32_t *f = tn_realloc(w->frow, cap * k * sizeof(*f));
            if (!f)
                return -1;
            w->frow = f;
        }
        w->fcap = cap;
    }
    if (!k) {
        double s = 0;
        tn_cwin_fix x = 0;
        uint32_t c = 0;
        for (size_t i = n; i-- > 0;) {
            tn_cwin_item it = get(ctx, i);
            if (it.isnum && it.exact)
                x += it.fix, c++;
            else if (it.isnum)
                s += it.num, c++;
            w->fsum[i] = s;
            w->ffix[i] = x;
            w->fcnt[i] = c;
        }
    } else {
        memset(w->w, 0, k * k * sizeof(*w->w));
        for (size_t i = n; i-- > 0;) {
            uint32_t r = get(ctx, i).ref;
            for (uint32_t a = 0; r < k && a <= r; a++) {
                uint32_t *row = w->w + a * k;
                for (uint32_t b = r; b < k; b++) {
                    uint32_t v = 1 + (r + 1 < k ? w->w[(r + 1) * k + b] : 0);
                    if (row[b] < v)
                        row[b] = v;
                }
            }
            memcpy(w->frow + i * k, w->w, k * sizeof(*w->frow));
        }
    }
    w->nf = n;
    w->ff = 0;
    back_clear(w);
    return 0;
}

int tn_cwin_pop(tn_cwin *w, tn_cwin_get get, void *ctx)
{
    if (w->ff == w->nf) {
        if (!w->nb)
            return 0;
        if (flip(w, get, ctx))
            return -1;
    }
    if (++w->ff == w->nf)
        w->ff = w->nf = 0;
    return 0;
}

/* x / 10^9, correctly rounded: its decimal digits through strtod. */
static double fix_double(tn_cwin_fix x)
{
    char buf[64], *p = buf + sizeof(buf);
    __extension__ unsigned __int128 u = x < 0 ? -(unsigned __int128)x : (unsigned __int128)x;
    *--p = 0;
    for (int i = 0; i < 9; i++, u /= 10)
        *--p = (char)('0' + (int)(u % 10));
    *--p = '.';
    do
        *--p = (char)('0' + (int)(u % 10));
    while (u /= 10);
    if (x < 0)
        *--p = '-';
    return strtod(p, NULL);
}

double tn_cwin_sum(const tn_cwin *w, uint32_t *n)
{
    double s = w->bsum;
    tn_cwin_fix x = w->bfix;
    uint32_t c = w->bcnt;
    if (w->ff < w->nf)
        s = w->fsum[w->ff] + s, x += w->ffix[w->ff], c += w->fcnt[w->ff];
    if (n)
        *n = c;
    return x ? fix_double(x) + s : s;
}

uint32_t tn_cwin_run(const tn_cwin *w)
{
    uint32_t k = w->k;
    if (!k)
        return 0;
    const uint32_t *f = w->ff < w->nf ? w->frow + w->ff * (size_t)k : NULL;
    /* split after reference c: the front using 0..c, the back c+1..k-1 */
    uint32_t best = w->bm[k - 1];   /* c = -1: all in the back */
    for (uint32_t c = 0; f && c < k; c++) {
        uint32_t v = f[c] + (c + 1 < k ? w->bm[(size_t)(c + 1) * k + k - 1] : 0);
        if (v > best)
            best = v;
    }
    return best;
}
