/* truth.c - the truth pass's intake: accounts, addresses, log continuity, the day's records.
 *
 * Each written event is looked at once. Log continuity (record ids,
 * clearing, silences) is checked as it arrives, since a host's events
 * arrive in time order. Events that bear on scope are reduced to small
 * records, kept for the day, and applied in time order across all hosts
 * at the end of the day (truth_rules.c). */
#include "gen/truth_int.h"

#include "base/alloc.h"
#include "gen/act.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int tn_truth_grow(tn_truth *t, void **v, uint32_t *cap, size_t size)
{
    uint32_t n = *cap ? *cap * 2 : 64;
    void *p = tn_realloc(*v, (size_t)n * size);
    if (!p) {
        t->oom = 1;
        return 0;
    }
    *v = p;
    *cap = n;
    return 1;
}

static uint32_t str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

tn_truth *tn_truth_new(const tn_org *o)
{
    tn_truth *t = tn_calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->o = o;
    t->hosts = tn_calloc(o->nhosts, sizeof(thost));
    t->logs = tn_calloc((size_t)o->nhosts * TN_CH__COUNT, sizeof(tlog));
    t->file_of_log = tn_calloc((size_t)o->nhosts * TN_CH__COUNT, sizeof(uint32_t));
    t->ip_tab_cap = 1;
    while (t->ip_tab_cap < o->nhosts * 2)
        t->ip_tab_cap *= 2;
    t->acct_tab_cap = 1024;
    t->sess_cap = 4096;
    t->ip_tab = tn_calloc(t->ip_tab_cap, sizeof(uint32_t));
    t->acct_tab = tn_calloc(t->acct_tab_cap, sizeof(uint32_t));
    t->sess = tn_calloc(t->sess_cap, sizeof(tsess));
    tn_arena_init(&t->day_arena, 1 << 16);
    t->seed_host = TN_NONE;
    if (!t->hosts || !t->logs || !t->file_of_log || !t->ip_tab || !t->acct_tab || !t->sess) {
        tn_truth_free(t);
        return NULL;
    }
    for (uint32_t h = 0; h < o->nhosts; h++) {
        uint32_t i = str_hash(o->hosts[h].ip) & (t->ip_tab_cap - 1);
        while (t->ip_tab[i])
            i = (i + 1) & (t->ip_tab_cap - 1);
        t->ip_tab[i] = h + 1;
    }
    return t;
}

void tn_truth_free(tn_truth *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->accts.n; i++) {
        tn_free(t->accts.v[i].key);
        tn_free(t->accts.v[i].display);
    }
    for (uint32_t i = 0; i < t->files.n; i++)
        tn_free(t->files.v[i]);
    for (uint32_t i = 0; i < t->objs.n; i++) {
        tn_free(t->objs.v[i].share);
        tn_free(t->objs.v[i].path);
    }
    tn_free(t->accts.v);
    tn_free(t->files.v);
    tn_free(t->objs.v);
    tn_free(t->hosts);
    tn_free(t->logs);
    tn_free(t->file_of_log);
    tn_free(t->ip_tab);
    tn_free(t->acct_tab);
    tn_free(t->sess);
    tn_free(t->day.v);
    tn_free(t->gaps.v);
    tn_free(t->edges.v);
    tn_free(t->mal.v);
    tn_free(t->silences.v);
    tn_arena_free(&t->day_arena);
    tn_free(t);
}

int tn_truth_oom(const tn_truth *t) { return t->oom; }

uint32_t tn_truth_host_by_ip(tn_truth *t, const char *ip)
{
    if (!strncmp(ip, "::ffff:", 7))
        ip += 7;
    for (uint32_t i = str_hash(ip) & (t->ip_tab_cap - 1); t->ip_tab[i]; i = (i + 1) & (t->ip_tab_cap - 1))
        if (!strcmp(t->o->hosts[t->ip_tab[i] - 1].ip, ip))
            return t->ip_tab[i] - 1;
    return TN_NONE;
}

uint32_t tn_truth_host_by_name(const tn_truth *t, const char *name)
{
    for (uint32_t h = 0; h < t->o->nhosts; h++)
        if (!strcasecmp(t->o->hosts[h].name, name))
            return h;
    return TN_NONE;
}

/* Accounts that never spread: machines, well-known and virtual accounts. */
static int never_spreads(const char *name, const char *sid)
{
    static const char *const fixed[] = {"SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE",
                                        "ANONYMOUS LOGON", "-"};
    size_t n = strlen(name);
    if (!n || name[n - 1] == '$' || (sid && *sid && strncmp(sid, "S-1-5-21-", 9)))
        return 1;
    if (!strncasecmp(name, "DWM-", 4) || !strncasecmp(name, "UMFD-", 5))
        return 1;
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (!strcasecmp(name, fixed[i]))
            return 1;
    return 0;
}

uint32_t tn_truth_account(tn_truth *t, const char *domain, const char *name, const char *sid)
{
    if (!name || never_spreads(name, sid))
        return TN_NONE;
    char key[160], disp[160];
    size_t k = 0;
    for (const char *p = domain ? domain : ""; *p && *p != '.' && k < 60; p++)
        key[k++] = (char)toupper((unsigned char)*p);
    memcpy(disp, key, k);
    key[k] = disp[k] = '\\';
    size_t d = ++k;
    for (const char *p = name; *p && k < 150; p++, d++) {
        key[k++] = (char)tolower((unsigned char)*p);
        disp[d] = *p;
    }
    key[k] = disp[d] = '\0';
    uint32_t mask = t->acct_tab_cap - 1, i = str_hash(key) & mask;
    for (; t->acct_tab[i]; i = (i + 1) & mask)
        if (!strcmp(t->accts.v[t->acct_tab[i] - 1].key, key))
            return t->acct_tab[i] - 1;
    if (t->accts.n * 2 >= t->acct_tab_cap) {   /* keep the table half empty */
        uint32_t cap = t->acct_tab_cap * 2, *tab = tn_calloc(cap, sizeof(uint32_t));
        if (!tab) {
            t->oom = 1;
            return TN_NONE;
        }
        for (uint32_t a = 0; a < t->accts.n; a++) {
            uint32_t j = str_hash(t->accts.v[a].key) & (cap - 1);
            while (tab[j])
                j = (j + 1) & (cap - 1);
            tab[j] = a + 1;
        }
        tn_free(t->acct_tab);
        t->acct_tab = tab;
        t->acct_tab_cap = cap;
        return tn_truth_account(t, domain, name, sid);
    }
    tacct *a = VEC_PUSH(t, t->accts);
    if (!a)
        return TN_NONE;
    memset(a, 0, sizeof(*a));
    a->key = tn_strndup(key, k);
    a->display = tn_strndup(disp, d);
    a->host = a->file = TN_NONE;
    if (!a->key || !a->display)
        t->oom = 1;
    t->acct_tab[i] = t->accts.n;
    return t->accts.n - 1;
}
