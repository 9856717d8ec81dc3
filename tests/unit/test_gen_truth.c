/* test_gen_truth.c - the scope rules of the truth pass, on hand-made events. */
#include "tn_test.h"

#include "gen/act.h"
#include "gen/evb.h"
#include "gen/truth_int.h"

#define SEC 10000000ull

typedef struct fixture {
    tn_org o;
    tn_truth *t;
    tn_sink sink;
    tn_rng r;
    tn_ctx c;
    uint64_t ids;
} fixture;

static void setup(fixture *f)
{
    memset(f, 0, sizeof(*f));
    CHECK_INT(tn_org_build(&f->o, 5, 0.2, 7), 0);
    f->t = tn_truth_new(&f->o);
    CHECK(f->t != NULL);
    tn_sink_init(&f->sink);
    tn_rng_seed(&f->r, 1);
    tn_ctx c = {&f->o, &f->sink, 0, &f->r};
    f->c = c;
}

/* Hands the events built so far to the truth pass (as the driver does). */
static void feed(fixture *f, uint32_t host)
{
    for (uint32_t i = 0; i < f->sink.n; i++) {
        tn_truth_file(f->t, host, f->sink.ev[i].sc->channel, "logs/x.evtx");
        tn_truth_event(f->t, &f->sink.ev[i], host, ++f->ids);
    }
    tn_sink_reset(&f->sink);
}

static void teardown(fixture *f)
{
    tn_truth_free(f->t);
    tn_sink_free(&f->sink);
    tn_org_free(&f->o);
}

TN_TEST(truth_follows_dump_then_logon)
{
    fixture f;
    setup(&f);
    const tn_org *o = &f.o;
    uint32_t a = o->av[TN_SITE_AFF], b = o->av[TN_SITE_HQ], c = o->fs_hr, clean = o->fs_gen;
    uint32_t u = o->svc_av, v = o->adm_confound;
    uint64_t t = o->start + 86400 * SEC;
    tn_who sys = tn_who_system(), nobody = tn_who_nobody();
    tn_who wu = tn_who_user(o, u, 0x1111), wv = tn_who_user(o, v, 0x2222);
    /* u has a console session on a before the exploit; v's ends before the dump */
    tn_ev_4624(&f.c, t, a, &sys, &wu, 2, 0, TN_NONE, 0, 1);
    tn_ev_4624(&f.c, t + 1 * SEC, a, &sys, &wv, 10, 0, clean, 0, 1);
    tn_ev_4634(&f.c, t + 2 * SEC, a, &wv, 10);
    f.c.tag = TN_T_EXPLOIT;
    tn_proc p = {"C:\\Windows\\System32\\cmd.exe", "cmd.exe", NULL, "x", "System", 8, 1, 2, 0x3e7, 0};
    tn_ev_proc(&f.c, t + 10 * SEC, a, &p, &p);
    f.c.tag = 0;
    tn_proc d = p;
    d.image = "C:\\Windows\\System32\\rundll32.exe";
    d.cmdline = "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 700 x.dmp full";
    tn_ev_proc(&f.c, t + 20 * SEC, a, &d, &p);
    feed(&f, a);
    /* u moves from a to b (edge); v logs on to c from b (v is clean: no edge) */
    tn_ev_4624(&f.c, t + 30 * SEC, b, &nobody, &wu, 3, 0, a, 50000, 0);
    tn_ev_5145(&f.c, t + 31 * SEC, b, &wu, a, 50000, "ADMIN$", "C:\\Windows", "x.exe", 1);
    feed(&f, b);
    tn_ev_4624(&f.c, t + 40 * SEC, c, &nobody, &wv, 3, 1, b, 50001, 0);
    tn_who mach = tn_who_machine(&f.c, b);
    tn_ev_4624(&f.c, t + 41 * SEC, c, &nobody, &mach, 3, 1, b, 50002, 0);
    feed(&f, c);
    tn_truth_day_end(f.t);

    tn_truth *tr = f.t;
    CHECK(tr->seeded);
    CHECK_INT(tr->seed_host, a);
    CHECK(tr->hosts[b].at == t + 30 * SEC);
    CHECK_INT(tr->hosts[b].src, a);
    CHECK(tr->hosts[c].at == 0);
    CHECK_INT(tr->edges.n, 1);
    CHECK_INT(tr->objs.n, 1);
    uint32_t iu = tn_truth_account(tr, "KITAMI", o->users[u].name, o->users[u].sid);
    uint32_t iv = tn_truth_account(tr, "kitami.local", o->users[v].name, NULL);
    CHECK_STR(tr->accts.v[iu].how, "dumped");
    CHECK(tr->accts.v[iu].at == t + 20 * SEC);
    CHECK(tr->accts.v[iv].at == 0);
    CHECK_INT(tn_truth_account(tr, "KITAMI", "HQ-AV01$", NULL), TN_NONE);
    CHECK_INT(tn_truth_account(tr, "NT AUTHORITY", "SYSTEM", "S-1-5-18"), TN_NONE);
    teardown(&f);
}

TN_TEST(truth_sees_gaps)
{
    fixture f;
    setup(&f);
    uint32_t h = f.o.fs_hr;
    uint64_t t = f.o.start;
    tn_who sys = tn_who_system();
    tn_ev_4672(&f.c, t, h, &sys);
    tn_ev_4672(&f.c, t + 3600 * SEC, h, &sys);
    tn_ev_1102(&f.c, t + 7200 * SEC, h, &sys);
    feed(&f, h);
    f.ids += 10;    /* lost records */
    tn_ev_4672(&f.c, t + 7300 * SEC, h, &sys);
    feed(&f, h);
    tn_truth_day_end(f.t);
    CHECK_INT(f.t->gaps.n, 2);
    CHECK_STR(f.t->gaps.v[0].reason, "cleared");
    CHECK(f.t->gaps.v[0].from == t + 3600 * SEC);
    CHECK_STR(f.t->gaps.v[1].reason, "record_ids");
    teardown(&f);
}
