/* test_scope.c - every clause of the scope rules (issue 6): a case that spreads and one that must not. */
#include "tn_test.h"

#include "base/buf.h"
#include "scope/scope.h"

#include <stdarg.h>
#include <string.h>

#define US 10ULL
#define SEC 10000000ULL
#define HOUR (3600 * SEC)
static const uint64_t T0 = 131962176000000000ULL; /* 2019-03-05T00:00:00Z */

/* Record ids per (host, channel), so that logs are continuous unless a
 * test says otherwise. */
static struct {
    char host[32], chan[64];
    uint64_t rid;
} logs[64];
static int nlogs;

static uint64_t next_rid(const char *host, const char *chan)
{
    for (int i = 0; i < nlogs; i++)
        if (!strcmp(logs[i].host, host) && !strcmp(logs[i].chan, chan))
            return ++logs[i].rid;
    snprintf(logs[nlogs].host, 32, "%s", host);
    snprintf(logs[nlogs].chan, 64, "%s", chan);
    logs[nlogs].rid = 1;
    return logs[nlogs++].rid;
}

/* Feed one event; fields are NULL-terminated name, value pairs. */
static void add(tn_scope *s, const char *host, const char *chan, uint32_t eid, uint64_t t, ...)
{
    tn_field f[16];
    uint32_t n = 0;
    va_list ap;
    va_start(ap, t);
    const char *k;
    while ((k = va_arg(ap, const char *)) && n < 16) {
        const char *v = va_arg(ap, const char *);
        f[n++] = (tn_field){k, v, (uint32_t)strlen(k), (uint32_t)strlen(v), 0};
    }
    va_end(ap);
    tn_event ev = {.provider = "", .provider_guid = "", .channel = chan, .computer = host,
                   .user_sid = "", .time = t, .record_id = next_rid(host, chan), .event_id = eid,
                   .fields = f, .nfields = n, .file = "test.evtx"};
    CHECK(tn_scope_add(s, &ev) == 0);
}

static void logon(tn_scope *s, const char *dst, uint64_t t, const char *type, const char *acct,
                  const char *ip, const char *ws, const char *lid)
{
    char dom[64];
    const char *bs = strchr(acct, '\\');
    snprintf(dom, sizeof(dom), "%.*s", (int)(bs - acct), acct);
    add(s, dst, "Security", 4624, t, "TargetUserName", bs + 1, "TargetDomainName", dom, "LogonType", type,
        "IpAddress", ip, "WorkstationName", ws, "TargetLogonId", lid, NULL);
}

static void sysmon_cmd(tn_scope *s, const char *host, uint64_t t, const char *cmd)
{
    add(s, host, "Microsoft-Windows-Sysmon/Operational", 1, t, "Image", "C:\\x.exe", "CommandLine", cmd,
        NULL);
}

/* Hosts A, B, C, W (clean workstation); A seeded at T0, CORP\adm at T0. */
static tn_scope *world(void)
{
    nlogs = 0;
    tn_scope *s = tn_scope_new();
    CHECK(s != NULL);
    CHECK(tn_scope_asset(s, "A", "10.0.0.1", "a.corp.local", "") == 0);
    CHECK(tn_scope_asset(s, "B", "10.0.0.2", NULL, NULL) == 0);
    CHECK(tn_scope_asset(s, "C", "10.0.0.3", NULL, "crown_jewel") == 0);
    CHECK(tn_scope_asset(s, "W", "10.0.0.9", NULL, NULL) == 0);
    CHECK(tn_scope_seed(s, "host:A@2019-03-05T00:00:00Z") == 0);
    CHECK(tn_scope_seed(s, "account:CORP\\adm@2019-03-05T00:00:00Z") == 0);
    return s;
}

static int host_hit(tn_scope *s, const char *h) { return tn_scope_host_time(s, h, NULL) != 0; }
static int acct_hit(tn_scope *s, const char *a) { return tn_scope_account_time(s, a, NULL) != 0; }

TN_TEST(test_scope_seed_parse)
{
    tn_scope *s = tn_scope_new();
    CHECK(tn_scope_seed(s, "host:X@2019-03-05T00:00:00.5Z") == 0);
    CHECK(tn_scope_seed(s, "account:D\\u@2019-03-05T00:00:00Z") == 0);
    CHECK(tn_scope_seed(s, "host:X") != 0);
    CHECK(tn_scope_seed(s, "file:X@2019-03-05T00:00:00Z") != 0);
    CHECK(tn_scope_seed(s, "host:@2019-03-05T00:00:00Z") != 0);
    CHECK(tn_scope_seed(s, "host:X@yesterday") != 0);
    tn_scope_free(s);
}

TN_TEST(test_scope_same_microsecond_spreads)
{
    tn_scope *s = world();
    logon(s, "B", T0, "3", "CORP\\adm", "10.0.0.1", "-", "0x10");
    CHECK(tn_scope_run(s) == 0);
    const char *how;
    CHECK_INT(tn_scope_host_time(s, "B", &how), T0);
    CHECK_STR(how, "lateral");
    CHECK_INT(tn_scope_nedges(s), 1);
    tn_scope_free(s);
}

TN_TEST(test_scope_one_microsecond_early_does_not)
{
    tn_scope *s = world();
    logon(s, "B", T0 - US, "3", "CORP\\adm", "10.0.0.1", "-", "0x10");
    CHECK(tn_scope_run(s) == 0);
    CHECK(!host_hit(s, "B"));
    CHECK_INT(tn_scope_nedges(s), 0);
    tn_scope_free(s);
}

TN_TEST(test_scope_account_compromised_later_than_source)
{
    tn_scope *s = world();
    CHECK(tn_scope_seed_account(s, "CORP\\late", T0 + HOUR) == 0);
    logon(s, "B", T0 + HOUR - US, "3", "CORP\\late", "10.0.0.1", "-", "0x10");
    logon(s, "C", T0 + HOUR, "3", "CORP\\late", "10.0.0.1", "-", "0x11");
    CHECK(tn_scope_run(s) == 0);
    CHECK(!host_hit(s, "B"));
    CHECK(host_hit(s, "C"));
    tn_scope_free(s);
}

TN_TEST(test_scope_sources)
{
    tn_scope *s = world();
    logon(s, "B", T0 + SEC, "3", "CORP\\adm", "10.9.9.9", "-", "0x1");       /* unknown */
    logon(s, "C", T0 + SEC, "3", "CORP\\adm", "::ffff:10.0.0.1", "-", "0x2"); /* mapped */
    CHECK(tn_scope_run(s) == 0);
    CHECK(!host_hit(s, "B"));
    CHECK(host_hit(s, "C"));
    tn_scope_free(s);

    s = world();
    logon(s, "B", T0 + SEC, "10", "CORP\\adm", "-", "a", "0x1");  /* WorkstationName only */
    logon(s, "C", T0 + SEC, "10", "CORP\\adm", "-", "-", "0x2");  /* nothing */
    logon(s, "W", T0 + SEC, "3", "CORP\\adm", "-", "a.corp.local", "0x3"); /* FQDN */
    logon(s, "D", T0 + SEC, "3", "CORP\\adm", "-", "10.0.0.1", "0x4");     /* an address as name */
    logon(s, "E", T0 + SEC, "3", "CORP\\adm", "-", "10.7.7.7", "0x5");     /* unknown address */
    CHECK(tn_scope_run(s) == 0);
    CHECK(host_hit(s, "B"));
    CHECK(!host_hit(s, "C"));
    CHECK(host_hit(s, "W"));
    CHECK(host_hit(s, "D"));
    CHECK(!host_hit(s, "E"));
    CHECK(!host_hit(s, "10"));
    tn_scope_free(s);
}

TN_TEST(test_scope_self_source_and_logon_types)
{
    tn_scope *s = world();
    logon(s, "A", T0 + SEC, "3", "CORP\\adm", "127.0.0.1", "-", "0x1"); /* self: no edge */
    logon(s, "B", T0 + SEC, "2", "CORP\\adm", "10.0.0.1", "A", "0x2");  /* type 2: no edge */
    logon(s, "C", T0 + SEC, "5", "CORP\\adm", "10.0.0.1", "A", "0x3");  /* service */
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_nedges(s), 0);
    CHECK(!host_hit(s, "B"));
    CHECK(!host_hit(s, "C"));
    tn_scope_free(s);
}

TN_TEST(test_scope_failed_logon_does_not_spread)
{
    tn_scope *s = world();
    add(s, "B", "Security", 4625, T0 + SEC, "TargetUserName", "adm", "TargetDomainName", "CORP",
        "LogonType", "3", "IpAddress", "10.0.0.1", NULL);
    CHECK(tn_scope_run(s) == 0);
    CHECK(!host_hit(s, "B"));
    tn_scope_free(s);
}

TN_TEST(test_scope_excluded_accounts)
{
    const char *excl[] = {"CORP\\A$", "NT AUTHORITY\\SYSTEM", "Window Manager\\DWM-1",
                          "Font Driver Host\\UMFD-0", "NT AUTHORITY\\ANONYMOUS LOGON",
                          "NT AUTHORITY\\LOCAL SERVICE", "NT AUTHORITY\\NETWORK SERVICE", "X\\S-1-5-18", "-\\-"};
    for (size_t i = 0; i < sizeof(excl) / sizeof(excl[0]); i++) {
        tn_scope *s = world();
        logon(s, "A", T0 + SEC, "2", excl[i], "-", "A", "0x5"); /* would be exposed */
        logon(s, "B", T0 + 2 * SEC, "3", excl[i], "10.0.0.1", "-", "0x6");
        CHECK(tn_scope_run(s) == 0);
        CHECK(!host_hit(s, "B"));
        tn_scope_free(s);
    }
    tn_scope *s = world(); /* a domain SID as name does count */
    logon(s, "A", T0 + SEC, "2", "CORP\\S-1-5-21-1-2-3-1104", "-", "A", "0x5");
    logon(s, "B", T0 + 2 * SEC, "3", "CORP\\S-1-5-21-1-2-3-1104", "10.0.0.1", "-", "0x6");
    CHECK(tn_scope_run(s) == 0);
    CHECK(host_hit(s, "B"));
    tn_scope_free(s);
}

TN_TEST(test_scope_fqdn_and_netbios_domain_are_one_account)
{
    tn_scope *s = world();
    CHECK(tn_scope_seed_account(s, "corp.local\\Alice", T0) == 0);
    logon(s, "B", T0 + SEC, "3", "CORP\\ALICE", "10.0.0.1", "-", "0x1");
    logon(s, "C", T0 + SEC, "3", "OTHER\\alice", "10.0.0.1", "-", "0x2");
    CHECK(tn_scope_run(s) == 0);
    CHECK(host_hit(s, "B"));
    CHECK(!host_hit(s, "C"));
    CHECK(acct_hit(s, "CORP\\alice"));
    CHECK(acct_hit(s, "Corp.Example\\ALICE"));
    tn_scope_free(s);
}

TN_TEST(test_scope_exposed)
{
    tn_scope *s = world();
    logon(s, "A", T0 - US, "2", "CORP\\early", "-", "A", "0x1");   /* before A's compromise */
    logon(s, "A", T0, "10", "CORP\\bob", "10.0.0.9", "W", "0x2"); /* at it */
    logon(s, "B", T0 + SEC, "2", "CORP\\carol", "-", "B", "0x3"); /* B clean */
    CHECK(tn_scope_run(s) == 0);
    const char *how;
    CHECK(!acct_hit(s, "CORP\\early"));
    CHECK_INT(tn_scope_account_time(s, "CORP\\bob", &how), T0);
    CHECK_STR(how, "exposed");
    CHECK(!acct_hit(s, "CORP\\carol"));
    tn_scope_free(s);
}

TN_TEST(test_scope_explicit)
{
    tn_scope *s = world();
    add(s, "A", "Security", 4648, T0 + SEC, "SubjectUserName", "adm", "TargetUserName", "svc",
        "TargetDomainName", "CORP", NULL);
    add(s, "B", "Security", 4648, T0 + SEC, "SubjectUserName", "adm", "TargetUserName", "other",
        "TargetDomainName", "CORP", NULL);
    CHECK(tn_scope_run(s) == 0);
    const char *how;
    CHECK(tn_scope_account_time(s, "CORP\\svc", &how) == T0 + SEC);
    CHECK_STR(how, "explicit");
    CHECK(!acct_hit(s, "CORP\\other"));
    tn_scope_free(s);
}

/* Within one microsecond, order does not matter: the logon to C with svc
 * is processed before the 4648 that compromises svc at the same time, and
 * the logon to B compromises B before B's 4648 of svc2 is used for W. */
TN_TEST(test_scope_same_time_fixed_point)
{
    tn_scope *s = world();
    uint64_t t = T0 + SEC;
    logon(s, "C", t, "3", "CORP\\svc", "10.0.0.1", "-", "0x2");
    add(s, "A", "Security", 4648, t, "TargetUserName", "svc", "TargetDomainName", "CORP", NULL);
    logon(s, "W", t, "3", "CORP\\svc2", "10.0.0.2", "-", "0x3");
    add(s, "B", "Security", 4648, t, "TargetUserName", "svc2", "TargetDomainName", "CORP", NULL);
    logon(s, "B", t, "3", "CORP\\svc", "10.0.0.3", "-", "0x1");
    CHECK(tn_scope_run(s) == 0);
    CHECK(acct_hit(s, "CORP\\svc"));
    CHECK(host_hit(s, "C"));
    CHECK(host_hit(s, "B"));
    CHECK(acct_hit(s, "CORP\\svc2"));
    CHECK(host_hit(s, "W"));
    CHECK_INT(tn_scope_nedges(s), 3);
    tn_scope_free(s);
}

TN_TEST(test_scope_dump_sessions)
{
    tn_scope *s = world();
    logon(s, "A", T0 - HOUR, "2", "CORP\\open", "-", "A", "0x1");
    logon(s, "A", T0 - HOUR, "10", "CORP\\disc", "10.0.0.9", "W", "0x2");
    add(s, "A", "Security", 4779, T0 - 30 * 60 * SEC, "AccountName", "disc", "LogonID", "0x2", NULL);
    logon(s, "A", T0 - HOUR, "2", "CORP\\gone", "-", "A", "0x3");
    add(s, "A", "Security", 4634, T0 - 10 * SEC, "TargetUserName", "gone", "TargetLogonId", "0x3", NULL);
    logon(s, "A", T0 - HOUR, "3", "CORP\\net", "10.0.0.9", "W", "0x4"); /* not interactive */
    sysmon_cmd(s, "A", T0 + SEC, "rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 624 C:\\t\\l.dmp full");
    CHECK(tn_scope_run(s) == 0);
    const char *how;
    CHECK(tn_scope_account_time(s, "CORP\\open", &how) == T0 + SEC);
    CHECK_STR(how, "dumped");
    CHECK(acct_hit(s, "CORP\\disc")); /* a disconnect does not end the session */
    CHECK(!acct_hit(s, "CORP\\gone"));
    CHECK(!acct_hit(s, "CORP\\net"));
    tn_scope_free(s);
}

TN_TEST(test_scope_reboot_ends_sessions_before_dump)
{
    tn_scope *s = world();
    logon(s, "A", T0 - HOUR, "2", "CORP\\before", "-", "A", "0x1");
    add(s, "A", "Security", 4608, T0 - 60 * SEC, NULL);
    logon(s, "A", T0 - 30 * SEC, "11", "CORP\\after", "-", "A", "0x1"); /* id reused after boot */
    sysmon_cmd(s, "A", T0 + SEC, "procdump.exe -accepteula -ma lsass.exe C:\\t\\l.dmp");
    CHECK(tn_scope_run(s) == 0);
    CHECK(!acct_hit(s, "CORP\\before"));
    CHECK(acct_hit(s, "CORP\\after"));
    tn_scope_free(s);
}

TN_TEST(test_scope_dump_kinds)
{
    struct {
        const char *src, *access;
        int dump;
    } c[] = {{"C:\\t\\mimikatz.exe", "0x1010", 1},
             {"C:\\Windows\\System32\\svchost.exe", "0x1010", 0},
             {"C:\\t\\mimikatz.exe", "0x1000", 0}};
    for (size_t i = 0; i < 3; i++) {
        tn_scope *s = world();
        logon(s, "A", T0 - HOUR, "2", "CORP\\u", "-", "A", "0x1");
        add(s, "A", "Microsoft-Windows-Sysmon/Operational", 10, T0 + SEC, "SourceImage", c[i].src,
            "TargetImage", "C:\\Windows\\system32\\lsass.exe", "GrantedAccess", c[i].access, NULL);
        CHECK(tn_scope_run(s) == 0);
        CHECK_INT(acct_hit(s, "CORP\\u"), c[i].dump);
        tn_scope_free(s);
    }
    tn_scope *s = world(); /* a dump on a clean host, and a command line that is not one */
    logon(s, "B", T0 - HOUR, "2", "CORP\\u", "-", "B", "0x1");
    sysmon_cmd(s, "B", T0 + SEC, "rundll32 comsvcs.dll MiniDump 600 x full");
    logon(s, "A", T0 - HOUR, "2", "CORP\\v", "-", "A", "0x1");
    sysmon_cmd(s, "A", T0 + SEC, "procdump.exe -ma notepad.exe");
    CHECK(tn_scope_run(s) == 0);
    CHECK(!acct_hit(s, "CORP\\u"));
    CHECK(!acct_hit(s, "CORP\\v"));
    tn_scope_free(s);
}

/* The confounder: an admin exposed on a compromised host, who later logs
 * on from her clean workstation, spreads nothing. */
TN_TEST(test_scope_exposed_admin_from_clean_workstation)
{
    tn_scope *s = world();
    logon(s, "A", T0 + SEC, "10", "CORP\\hana", "10.0.0.9", "W", "0x1");
    logon(s, "B", T0 + HOUR, "3", "CORP\\hana", "10.0.0.9", "W", "0x2");
    logon(s, "C", T0 + HOUR, "10", "CORP\\hana", "10.0.0.1", "A", "0x3");
    CHECK(tn_scope_run(s) == 0);
    CHECK(acct_hit(s, "CORP\\hana"));
    CHECK(!host_hit(s, "B"));
    CHECK(host_hit(s, "C"));
    CHECK(!host_hit(s, "W"));
    tn_scope_free(s);
}

static void share_event(tn_scope *s, const char *host, uint64_t t, const char *user, const char *ip,
                        const char *rel)
{
    add(s, host, "Security", 5145, t, "SubjectUserName", user, "SubjectDomainName", "CORP",
        "SubjectLogonId", "0x2", "IpAddress", ip, "ShareName", "\\\\*\\HR", "ShareLocalPath",
        "\\??\\D:\\Shares\\HR", "RelativeTargetName", rel, NULL);
}

TN_TEST(test_scope_objects_5145)
{
    tn_scope *s = world();
    share_event(s, "C", T0 - SEC, "adm", "10.0.0.1", "before.xlsx"); /* before: benign */
    share_event(s, "C", T0 + SEC, "adm", "10.0.0.1", "Payroll\\a.xlsx");
    share_event(s, "C", T0 + SEC, "adm", "10.0.0.9", "from-clean.xlsx");
    share_event(s, "C", T0 + SEC, "clean", "10.0.0.1", "clean-account.xlsx");
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_nobjects(s), 1);
    const char *h, *sh, *p;
    tn_scope_object(s, 0, &h, &sh, &p);
    CHECK_STR(h, "C");
    CHECK_STR(sh, "HR");
    CHECK_STR(p, "Payroll\\a.xlsx");
    CHECK_STR(tn_scope_verdict(s, "C"), "touched");
    tn_scope_free(s);
}

static void obj4663(tn_scope *s, uint64_t t, const char *user, const char *lid, const char *obj)
{
    add(s, "C", "Security", 4663, t, "SubjectUserName", user, "SubjectDomainName", "CORP",
        "SubjectLogonId", lid, "ObjectType", "File", "ObjectName", obj, NULL);
}

TN_TEST(test_scope_objects_4663_session_source)
{
    tn_scope *s = world();
    share_event(s, "C", T0 - HOUR, "other", "10.0.0.9", "x"); /* teaches D:\Shares\HR */
    logon(s, "C", T0 + SEC, "3", "CORP\\adm", "10.0.0.1", "-", "0x77");  /* from A */
    logon(s, "C", T0 + SEC, "3", "CORP\\adm", "10.0.0.9", "-", "0x88");  /* from W: clean */
    obj4663(s, T0 + 2 * SEC, "adm", "0x77", "D:\\Shares\\HR\\Payroll\\b.xlsx");
    obj4663(s, T0 + 2 * SEC, "adm", "0x88", "D:\\Shares\\HR\\Payroll\\c.xlsx");
    obj4663(s, T0 + 2 * SEC, "adm", "0x99", "D:\\Shares\\HR\\Payroll\\d.xlsx"); /* no session */
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_nobjects(s), 1);
    const char *h, *sh, *p;
    tn_scope_object(s, 0, &h, &sh, &p);
    CHECK_STR(sh, "HR");
    CHECK_STR(p, "D:\\Shares\\HR\\Payroll\\b.xlsx");
    tn_scope_free(s);
}

TN_TEST(test_scope_gap_cleared_and_record_ids)
{
    tn_scope *s = world();
    add(s, "B", "Security", 4624, T0, "LogonType", "5", NULL);
    add(s, "B", "Security", 1102, T0 + HOUR, "SubjectUserName", "adm", NULL);
    add(s, "B", "System", 7036, T0, NULL);
    add(s, "B", "System", 104, T0 + HOUR, NULL);
    add(s, "C", "Security", 4624, T0, "LogonType", "5", NULL);
    next_rid("C", "Security"); /* one record lost */
    add(s, "C", "Security", 4624, T0 + SEC, "LogonType", "5", NULL);
    add(s, "W", "Security", 4624, T0, "LogonType", "5", NULL);
    add(s, "W", "Security", 4624, T0 + SEC, "LogonType", "5", NULL);
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_ngaps(s, "B", "cleared"), 2);
    CHECK_INT(tn_scope_ngaps(s, "B", "record_ids"), 0);
    CHECK_INT(tn_scope_ngaps(s, "C", "record_ids"), 1);
    CHECK_INT(tn_scope_ngaps(s, "W", "record_ids"), 0);
    CHECK_INT(tn_scope_ngaps(s, "W", "cleared"), 0);
    tn_scope_free(s);
}

/* Hourly events for h hours from start, on host's channel. */
static void hourly(tn_scope *s, const char *host, const char *chan, uint64_t start, int h)
{
    for (int i = 0; i < h; i++)
        add(s, host, chan, 7036, start + (uint64_t)i * HOUR, NULL);
}

TN_TEST(test_scope_gap_silence_only_in_steady_logs)
{
    tn_scope *s = world();
    hourly(s, "B", "System", T0, 72); /* steady, then 30 h silent */
    hourly(s, "B", "System", T0 + 102 * HOUR, 24);
    hourly(s, "C", "System", T0, 40); /* 40 distinct hours only: not steady */
    hourly(s, "C", "System", T0 + 70 * HOUR, 2);
    hourly(s, "W", "System", T0, 72); /* silent just under 24 h */
    hourly(s, "W", "System", T0 + 71 * HOUR + 24 * HOUR, 10);
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_ngaps(s, "B", "silence"), 1);
    CHECK_INT(tn_scope_ngaps(s, "C", "silence"), 0);
    CHECK_INT(tn_scope_ngaps(s, "W", "silence"), 0);
    tn_scope_free(s);

    s = world(); /* sparse: events every 2 hours over 8 days is not steady */
    for (int i = 0; i < 96; i++)
        add(s, "B", "System", 7036, T0 + (uint64_t)i * 2 * HOUR, NULL);
    add(s, "B", "System", 7036, T0 + 250 * HOUR, NULL);
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_ngaps(s, "B", "silence"), 0);
    tn_scope_free(s);
}

/* A jewel J with Security and Sysmon logs from from to to (hourly). */
static void jewel_logs(tn_scope *s, const char *j, uint64_t from, int hours)
{
    hourly(s, j, "Security", from, hours);
    hourly(s, j, "Microsoft-Windows-Sysmon/Operational", from, hours);
}

TN_TEST(test_scope_crown_jewel_verdicts)
{
    tn_scope *s = world();
    CHECK(tn_scope_crown(s, "J1") == 0);
    CHECK(tn_scope_crown(s, "J2") == 0);
    CHECK(tn_scope_crown(s, "J3") == 0);
    CHECK(tn_scope_crown(s, "J4") == 0);
    CHECK(tn_scope_crown(s, "B") == 0);
    logon(s, "B", T0 + HOUR, "3", "CORP\\adm", "10.0.0.1", "-", "0x1"); /* window to T0+1h */
    jewel_logs(s, "J1", T0 - 5 * HOUR, 10);             /* covers the window */
    hourly(s, "J2", "Security", T0 - 5 * HOUR, 10);     /* no Sysmon */
    jewel_logs(s, "J3", T0 - 5 * HOUR, 5);
    add(s, "J3", "Security", 1102, T0 + 30 * 60 * SEC, NULL); /* cleared inside */
    jewel_logs(s, "J3", T0 + HOUR, 5);
    jewel_logs(s, "J4", T0 + 10 * 60 * SEC, 10);        /* starts after the window opens */
    CHECK(tn_scope_run(s) == 0);
    CHECK_STR(tn_scope_verdict(s, "B"), "touched");
    CHECK_STR(tn_scope_verdict(s, "C"), "cannot_assure"); /* from --assets role, no logs */
    CHECK_STR(tn_scope_verdict(s, "J1"), "assured_untouched");
    CHECK_STR(tn_scope_verdict(s, "J2"), "cannot_assure");
    CHECK_STR(tn_scope_verdict(s, "J3"), "cannot_assure");
    CHECK_STR(tn_scope_verdict(s, "J4"), "cannot_assure");
    CHECK(tn_scope_verdict(s, "W") == NULL);
    uint64_t f, t;
    tn_scope_window(s, &f, &t);
    CHECK_INT(f, T0);
    CHECK_INT(t, T0 + HOUR);
    tn_scope_free(s);
}

TN_TEST(test_scope_json_shape)
{
    tn_scope *s = world();
    logon(s, "B", T0 + SEC, "3", "CORP\\adm", "10.0.0.1", "-", "0x1");
    CHECK(tn_scope_run(s) == 0);
    tn_buf b;
    tn_buf_init(&b);
    tn_scope_json(s, &b);
    CHECK(strstr(b.data, "{\"seeds\":[{\"host\":\"A\"},{\"account\":\"CORP\\\\adm\"}],\"hosts\":[") == b.data);
    CHECK(strstr(b.data, "\"edges\":[{\"src\":\"A\",\"dst\":\"B\",\"account\":\"CORP\\\\adm\","
                         "\"time\":\"2019-03-05T00:00:01.000000Z\",\"logon_type\":3") != NULL);
    CHECK(strstr(b.data, "\"how\":\"lateral\",\"via\":{\"src\":\"A\"") != NULL);
    tn_buf_clear(&b);
    tn_scope_text(s, &b);
    CHECK(strstr(b.data, "2019-03-05T00:00:01.000000Z  host B compromised: CORP\\adm logged on from A") != NULL);
    tn_buf_free(&b);
    tn_scope_free(s);
}

/* With a short --silence, the 48-hour clause of steadiness decides alone. */
TN_TEST(test_scope_gap_steady_needs_48_hours)
{
    tn_scope *s = world();
    tn_scope_set_silence(s, 2 * HOUR);
    hourly(s, "B", "System", T0, 30); /* 40 hours in all: not steady */
    hourly(s, "B", "System", T0 + 33 * HOUR, 10);
    hourly(s, "C", "System", T0, 60); /* 70 hours: steady */
    hourly(s, "C", "System", T0 + 63 * HOUR, 10);
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_ngaps(s, "B", "silence"), 0);
    CHECK_INT(tn_scope_ngaps(s, "C", "silence"), 1);
    tn_scope_free(s);
}

/* Silences do not depend on the order events arrive in: the same hours,
 * fed backwards and interleaved, give the same one silence. */
TN_TEST(test_scope_gap_silence_any_order)
{
    tn_scope *s = world();
    for (int i = 95; i >= 0; i--) { /* 72 h, 30 h silent, 24 h; backwards */
        uint64_t t = T0 + (uint64_t)(i < 72 ? i : i + 30) * HOUR;
        add(s, "B", "System", 7036, t, NULL);
        add(s, "C", "System", 7036, T0 + (uint64_t)i * HOUR, NULL); /* no silence */
    }
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_ngaps(s, "B", "silence"), 1);
    CHECK_INT(tn_scope_ngaps(s, "C", "silence"), 0);
    tn_scope_free(s);
}

/* A session's source is known until it ends: a 4663 after the logoff of
 * its session has none. */
TN_TEST(test_scope_objects_4663_after_logoff)
{
    tn_scope *s = world();
    share_event(s, "C", T0 - HOUR, "other", "10.0.0.9", "x");
    logon(s, "C", T0 + SEC, "3", "CORP\\adm", "10.0.0.1", "-", "0x77");
    obj4663(s, T0 + 2 * SEC, "adm", "0x77", "D:\\Shares\\HR\\in.xlsx");
    add(s, "C", "Security", 4634, T0 + 2 * SEC, "TargetUserName", "adm", "TargetLogonId", "0x77", NULL);
    obj4663(s, T0 + 3 * SEC, "adm", "0x77", "D:\\Shares\\HR\\after.xlsx");
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_nobjects(s), 1); /* the one at the logoff's time still counts */
    const char *h, *sh, *p;
    tn_scope_object(s, 0, &h, &sh, &p);
    CHECK_STR(p, "D:\\Shares\\HR\\in.xlsx");
    tn_scope_free(s);
}

/* A scenario with many records: a chain of lateral logons, share reads,
 * sessions and noise from unrelated accounts. */
static tn_scope *busy_world(size_t budget)
{
    tn_scope *s = world();
    tn_scope_set_budget(s, budget);
    char ip[32], host[32], lid[32], rel[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(host, sizeof(host), "H%d", i % 50);
        snprintf(ip, sizeof(ip), "10.0.0.%d", i % 7 == 0 ? 1 : 9);
        snprintf(lid, sizeof(lid), "0x%x", 0x1000 + i);
        snprintf(rel, sizeof(rel), "dir\\file%d.txt", i);
        uint64_t t = T0 + (uint64_t)(i % 500) * SEC - 10 * SEC;
        logon(s, host, t, i % 3 ? "3" : "10", i % 5 ? "CORP\\adm" : "CORP\\user", ip, "-", lid);
        share_event(s, host, t + SEC, i % 5 ? "adm" : "user", ip, rel);
        if (i % 4 == 0)
            add(s, host, "Security", 4634, t + 2 * SEC, "TargetUserName", "adm", "TargetLogonId", lid, NULL);
    }
    CHECK(tn_scope_run(s) == 0);
    return s;
}

/* The answer does not depend on how many runs the records were cut into:
 * a 4 KiB budget writes well over 64 runs (so runs are merged in levels). */
TN_TEST(test_scope_runs_on_disk_same_answer)
{
    tn_scope *a = busy_world(64u << 20), *b = busy_world(4096);
    tn_buf x, y;
    tn_buf_init(&x);
    tn_buf_init(&y);
    tn_scope_json(a, &x);
    tn_scope_json(b, &y);
    CHECK(tn_scope_nedges(a) > 100);
    CHECK(tn_scope_nobjects(a) > 100);
    const char *sx = strstr(x.data, "\"stats\""), *sy = strstr(y.data, "\"stats\"");
    CHECK(sx && sy && sx - x.data == sy - y.data && !memcmp(x.data, y.data, (size_t)(sx - x.data)));
    CHECK(strstr(x.data, "\"records_spilled\":0,") != NULL);
    CHECK(strstr(y.data, "\"records_spilled\":0,") == NULL);
    tn_buf_free(&x);
    tn_buf_free(&y);
    tn_scope_free(a);
    tn_scope_free(b);
}

/* One EVTX-like file read by two workers, chunks out of order: record ids
 * and clearing are checked across chunk boundaries in chunk order. */
static void chunk_event(tn_scope *s, int w, uint64_t chunk, uint64_t rid, uint32_t eid, uint64_t t)
{
    tn_event ev = {.provider = "", .provider_guid = "", .channel = "Security", .computer = "B",
                   .user_sid = "", .time = t, .record_id = rid, .event_id = eid,
                   .file = "b.evtx", .offset = 4096 + chunk * 65536 + rid};
    CHECK(tn_scope_add_worker(s, w, &ev) == 0);
}

TN_TEST(test_scope_chunks_in_parallel)
{
    tn_scope *s = world();
    CHECK(tn_scope_set_threads(s, 2) == 0);
    CHECK(tn_scope_file(s, "b.evtx", 1) == 0);
    /* chunk 0: rids 1-10; chunk 1: 11-20; chunk 2: 22-30 (21 lost at the
     * boundary); chunk 3 opens with a clearing event (rid 31) */
    for (uint64_t r = 11; r <= 20; r++)
        chunk_event(s, 1, 1, r, 4688, T0 + r * SEC);
    for (uint64_t r = 22; r <= 30; r++)
        chunk_event(s, 1, 2, r, 4688, T0 + r * SEC);
    for (uint64_t r = 1; r <= 10; r++)
        chunk_event(s, 0, 0, r, 4688, T0 + r * SEC);
    chunk_event(s, 0, 3, 31, 1102, T0 + 40 * SEC);
    chunk_event(s, 0, 3, 32, 4688, T0 + 41 * SEC);
    CHECK(tn_scope_file(s, "c.evtx", 1) == 0); /* a new file: record ids start again */
    chunk_event(s, 1, 0, 1, 4688, T0 + 50 * SEC);
    CHECK(tn_scope_run(s) == 0);
    CHECK_INT(tn_scope_ngaps(s, "B", "record_ids"), 1);
    CHECK_INT(tn_scope_ngaps(s, "B", "cleared"), 1);
    tn_buf b;
    tn_buf_init(&b);
    tn_scope_json(s, &b);
    CHECK(strstr(b.data, "\"from\":\"2019-03-05T00:00:20.000000Z\",\"to\":\"2019-03-05T00:00:22.000000Z\","
                         "\"reason\":\"record_ids\"") != NULL);
    CHECK(strstr(b.data, "\"from\":\"2019-03-05T00:00:30.000000Z\",\"to\":\"2019-03-05T00:00:40.000000Z\","
                         "\"reason\":\"cleared\"") != NULL);
    tn_buf_free(&b);
    tn_scope_free(s);
}

/* sc_grow must reach any size asked for at once: a 70-byte path pushed
 * into an empty path buffer (64 bytes after one doubling) overflowed it
 * (ASan, `scope --from-detections` on the attack samples). */
#include "scope/scope_int.h"
#include "base/alloc.h"

TN_TEST(test_scope_grow_reaches_size)
{
    char *v = NULL;
    size_t cap = 0;
    CHECK_INT(sc_grow((void **)&v, &cap, 70, 1), 0);
    CHECK(cap > 70);
    memset(v, 'x', 71);
    CHECK_INT(sc_grow((void **)&v, &cap, 100000, 1), 0);
    CHECK(cap > 100000);
    memset(v, 'y', 100001);
    size_t before = cap;
    CHECK_INT(sc_grow((void **)&v, &cap, 5, 1), 0);   /* already big enough */
    CHECK(cap == before);
    tn_free(v);
}
