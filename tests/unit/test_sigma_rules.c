/* test_sigma_rules.c - conditions, rule validation, logsources, filters. */
#include "tn_test.h"

#include "base/arena.h"
#include "base/buf.h"
#include "sigma/cond.h"
#include "sigma/yaml.h"
#include "sigma_helpers.h"

#define RULE(det)                                                            \
    "title: t\nid: 11111111-2222-3333-4444-555555555555\nlevel: high\n"     \
    "logsource:\n  product: windows\ndetection:\n" det

#define SEARCHES                                                             \
    "  sel1:\n    A: 1\n  sel2:\n    B: 1\n  filter1:\n    C: 1\n"           \
    "  _hidden:\n    D: 1\n"

/* Event with A=a, B=b, C=c, D=d (each "1" or "0"). */
static int cond(const char *c, int a, int b, int cc, int d)
{
    char yaml[1024];
    snprintf(yaml, sizeof(yaml), RULE(SEARCHES "  condition: %s\n"), c);
    TEST_EVENT(ev, "X", 1, "A", a ? "1" : "0", "B", b ? "1" : "0", "C", cc ? "1" : "0", "D",
               d ? "1" : "0");
    return test_match(yaml, &ev);
}

TN_TEST(test_condition_forms)
{
    CHECK_INT(cond("sel1 and sel2", 1, 1, 0, 0), 1);
    CHECK_INT(cond("sel1 and sel2", 1, 0, 0, 0), 0);
    CHECK_INT(cond("sel1 or sel2", 0, 1, 0, 0), 1);
    CHECK_INT(cond("not sel1", 0, 0, 0, 0), 1);
    CHECK_INT(cond("sel1 and not filter1", 1, 0, 1, 0), 0);
    CHECK_INT(cond("1 of sel*", 0, 1, 0, 0), 1);
    CHECK_INT(cond("all of sel*", 0, 1, 0, 0), 0);
    CHECK_INT(cond("all of sel*", 1, 1, 0, 0), 1);
    CHECK_INT(cond("1 of them", 0, 0, 0, 1), 0);   /* _hidden is not in them */
    CHECK_INT(cond("1 of them", 0, 0, 1, 0), 1);
    CHECK_INT(cond("all of them", 1, 1, 1, 0), 1);
    CHECK_INT(cond("1 of sel* and not 1 of filter*", 1, 0, 0, 0), 1);
    CHECK_INT(cond("1 of sel* and not 1 of filter*", 1, 0, 1, 0), 0);
    CHECK_INT(cond("(sel1 or sel2) and filter1", 0, 1, 1, 0), 1);
    CHECK_INT(cond("_hidden", 0, 0, 0, 1), 1);
    /* a pattern is "them" restricted to its matches: '_' names are out
     * (pySigma too; session 28, a review: all of * required _hidden) */
    CHECK_INT(cond("all of *", 1, 1, 1, 0), 1);
    CHECK_INT(cond("1 of *", 0, 0, 0, 1), 0);
    CHECK_INT(cond("1 of _*", 0, 0, 0, 1), -1);
    CHECK(strstr(test_last_reject, "pattern matches only search identifiers starting with '_'") != NULL);
    CHECK_INT(cond("SEL1 AND sel2", 1, 1, 0, 0), -1);  /* identifiers are case-sensitive */
    CHECK_INT(cond("sel1 AND sel2", 1, 1, 0, 0), 1);   /* keywords are not */
}

TN_TEST(test_condition_precedence)
{
    /* or < and < not: "sel1 or sel2 and filter1" = sel1 or (sel2 and filter1) */
    CHECK_INT(cond("sel1 or sel2 and filter1", 1, 0, 0, 0), 1);
    CHECK_INT(cond("sel1 or sel2 and filter1", 0, 1, 0, 0), 0);
    /* "not sel1 and sel2" = (not sel1) and sel2 */
    CHECK_INT(cond("not sel1 and sel2", 0, 1, 0, 0), 1);
    CHECK_INT(cond("not sel1 and sel2", 1, 1, 0, 0), 0);
    CHECK_INT(cond("not (sel1 and sel2)", 1, 0, 0, 0), 1);
    CHECK_INT(cond("not not sel1", 1, 0, 0, 0), 1);
}

TN_TEST(test_condition_errors)
{
    CHECK_INT(cond("sel1 and", 1, 1, 0, 0), -1);
    CHECK_INT(cond("(sel1", 1, 1, 0, 0), -1);
    CHECK_INT(cond("sel3", 1, 1, 0, 0), -1);
    CHECK(strstr(test_last_reject, "unknown search identifier") != NULL);
    CHECK_INT(cond("sel*", 1, 1, 0, 0), -1);
    CHECK_INT(cond("1 of nothing*", 1, 1, 0, 0), -1);
    /* a legacy aggregation loads as a correlation rule (test_corr_legacy_*)
     * but for min, max and near, which have no correlation to become */
    CHECK_INT(cond("sel1 | max(A) by B > 5", 1, 1, 0, 0), -1);
    CHECK(strstr(test_last_reject, "correlation rule") != NULL);
    CHECK_INT(cond("sel1 | near sel2", 1, 1, 0, 0), -1);
    CHECK(strstr(test_last_reject, "temporal correlation") != NULL);
    CHECK_INT(cond("sel1 | count() by A >", 1, 1, 0, 0), -1);
    CHECK(strstr(test_last_reject, "a number") != NULL);
    CHECK_INT(cond("sel1 | count() by A > 5 6", 1, 1, 0, 0), -1);
    CHECK_INT(cond("sel1 | sum() > 5", 1, 1, 0, 0), -1);
    CHECK(strstr(test_last_reject, "need a field") != NULL);
    CHECK_INT(cond("sel1 sel2", 1, 1, 0, 0), -1);
}

TN_TEST(test_condition_list_is_or)
{
    TEST_EVENT(ev, "X", 1, "A", "0", "B", "1");
    CHECK_INT(test_match(RULE("  sel1:\n    A: 1\n  sel2:\n    B: 1\n  condition:\n    - sel1\n    - sel2\n"), &ev), 1);
}

TN_TEST(test_cond_parser_direct)
{
    const char *names[] = {"selection", "filter_a", "filter_b"};
    tn_arena a;
    char err[200];
    size_t at;
    tn_arena_init(&a, 4096);
    tn_cnode *c = tn_cond_parse("selection and not 1 of filter_*", 31, names, 3, &a, err, sizeof(err), &at);
    CHECK(c != NULL);
    CHECK(c && c->op == TN_C_AND && c->b->op == TN_C_NOT && c->b->a->op == TN_C_ANY && c->b->a->nrefs == 2);
    c = tn_cond_parse("selection and (", 15, names, 3, &a, err, sizeof(err), &at);
    CHECK(c == NULL);
    CHECK_INT(at, 15);
    char deep[600];
    memset(deep, '(', sizeof(deep));
    c = tn_cond_parse(deep, sizeof(deep), names, 3, &a, err, sizeof(err), &at);
    CHECK(c == NULL);
    CHECK(strstr(err, "deeply") != NULL);
    tn_arena_free(&a);
    CHECK(tn_cond_pattern_match("sel*", 4, "selection"));
    CHECK(tn_cond_pattern_match("*tion", 5, "selection"));
    CHECK(!tn_cond_pattern_match("sel*x", 5, "selection"));
}

TN_TEST(test_required_fields)
{
    TEST_EVENT(ev, "X", 1, "A", "1");
    CHECK_INT(test_match("logsource:\n  product: windows\ndetection:\n  s:\n    A: 1\n  condition: s\n", &ev), -1);
    CHECK(strstr(test_last_reject, "title") != NULL);
    CHECK_INT(test_match("title: t\ndetection:\n  s:\n    A: 1\n  condition: s\n", &ev), -1);
    CHECK(strstr(test_last_reject, "logsource") != NULL);
    CHECK_INT(test_match("title: t\nlogsource:\n  product: windows\n", &ev), -1);
    CHECK_INT(test_match("title: t\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: 1\n", &ev), -1);
    CHECK(strstr(test_last_reject, "condition") != NULL);
    CHECK_INT(test_match("title: t\nlevel: severe\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: 1\n  condition: s\n", &ev), -1);
    CHECK_INT(test_match("title: [unclosed\n", &ev), -1);
    CHECK(strstr(test_last_reject, "t.yml:") == test_last_reject);
}

TN_TEST(test_error_position)
{
    TEST_EVENT(ev, "X", 1, "A", "1");
    CHECK_INT(test_match(RULE("  sel:\n    A|bogus: 1\n  condition: sel\n"), &ev), -1);
    CHECK_STR(test_last_reject, "t.yml:8:5: unknown modifier 'bogus'");
}

TN_TEST(test_multi_document_and_correlation)
{
    const char *y = "title: a\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: 1\n  condition: s\n"
                    "---\n"
                    "title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  group-by: [A]\n"
                    "  timespan: 5m\n  condition:\n    gte: 3\n"
                    "---\n"
                    "title: b\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: 2\n  condition: s\n";
    tn_ruleset *rs = test_load(y, 0);
    CHECK(rs != NULL);
    CHECK_INT(tn_ruleset_count(rs), 2);
    CHECK(strstr(test_last_reject, "correlation") != NULL);
    tn_ruleset_free(rs);
}

#define PROC_RULE                                                            \
    "title: p\nlogsource:\n  product: windows\n  category: process_creation\n" \
    "detection:\n  sel:\n    Image|endswith: '\\whoami.exe'\n    ParentImage|endswith: '\\cmd.exe'\n" \
    "  condition: sel\n"

TN_TEST(test_logsource_process_creation)
{
    TEST_EVENT(sysmon, "Microsoft-Windows-Sysmon/Operational", 1, "Image", "C:\\W\\whoami.exe",
               "ParentImage", "C:\\W\\cmd.exe");
    TEST_EVENT(sec, "Security", 4688, "NewProcessName", "C:\\W\\whoami.exe", "ParentProcessName",
               "C:\\W\\cmd.exe");
    TEST_EVENT(other, "Security", 4689, "NewProcessName", "C:\\W\\whoami.exe", "ParentProcessName",
               "C:\\W\\cmd.exe");
    TEST_EVENT(wrongch, "Application", 1, "Image", "C:\\W\\whoami.exe", "ParentImage",
               "C:\\W\\cmd.exe");
    CHECK_INT(test_match(PROC_RULE, &sysmon), 1);
    CHECK_INT(test_match(PROC_RULE, &sec), 1);
    CHECK_INT(test_match(PROC_RULE, &other), 0);
    CHECK_INT(test_match(PROC_RULE, &wrongch), 0);
}

/* A field reached through a global alias (data/logsources.yml) keeps the
 * sources that list their fields: ComputerName is the System member
 * Computer, OriginalFilename Sysmon's OriginalFileName. Both sources of
 * process_creation were pruned to Sysmon's alone, or to none. */
TN_TEST(test_logsource_alias_keeps_sources)
{
    const char *comp = "title: c\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  s:\n    ComputerName: host1\n  condition: s\n";
    TEST_EVENT(sec, "Security", 4688, "NewProcessName", "C:\\W\\x.exe");
    TEST_EVENT(sysmon, "Microsoft-Windows-Sysmon/Operational", 1, "Image", "C:\\W\\x.exe");
    TEST_EVENT(other, "Security", 4688, "NewProcessName", "C:\\W\\x.exe");
    sec.computer = sysmon.computer = "HOST1";
    other.computer = "HOST2";
    CHECK_INT(test_match(comp, &sec), 1);
    CHECK_INT(test_match(comp, &sysmon), 1);
    CHECK_INT(test_match(comp, &other), 0);
    const char *orig = "title: o\nlogsource:\n  product: windows\n  category: process_creation\n"
                       "detection:\n  s:\n    OriginalFilename: x.exe\n  condition: s\n";
    TEST_EVENT(named, "Microsoft-Windows-Sysmon/Operational", 1, "Image", "C:\\W\\y.exe",
               "OriginalFileName", "x.exe");
    CHECK_INT(test_match(orig, &named), 1);
    CHECK_INT(test_match(orig, &sec), 0);
}

/* Mapping fixes from a review of data/logsources.yml against the
 * taxonomy appendix and real events (session 19). */
TN_TEST(test_logsource_taxonomy_fixes)
{
    /* antivirus: the taxonomy's Signature/Filename are Defender's "Threat Name"/Path */
    const char *av = "title: a\nlogsource:\n  product: windows\n  category: antivirus\n"
                     "detection:\n  s:\n    Signature|contains: Powersploit\n    Filename|contains: '\\x.ps1'\n"
                     "  condition: s\n";
    TEST_EVENT(def, "Microsoft-Windows-Windows Defender/Operational", 1116, "Threat Name",
               "Trojan:PowerShell/Powersploit.M", "Path", "file:_C:\\x.ps1");
    CHECK_INT(test_match(av, &def), 1);
    /* dns-client: the logs' channel, and the taxonomy's display name */
    const char *dns = "title: d\nlogsource:\n  product: windows\n  service: dns-client\n"
                      "detection:\n  s:\n    QueryName|endswith: .onion\n  condition: s\n";
    TEST_EVENT(real, "Microsoft-Windows-DNS-Client/Operational", 3008, "QueryName", "x.onion");
    TEST_EVENT(disp, "Microsoft-Windows-DNS Client Events/Operational", 3008, "QueryName", "x.onion");
    CHECK_INT(test_match(dns, &real), 1);
    CHECK_INT(test_match(dns, &disp), 1);
    /* 5156's protocol number is Sysmon's name */
    const char *net = "title: n\nlogsource:\n  product: windows\n  category: network_connection\n"
                      "detection:\n  s:\n    DestinationPort: 53\n    Protocol: udp\n  condition: s\n";
    TEST_EVENT(wfp, "Security", 5156, "Application", "\\device\\harddiskvolume2\\x.exe", "DestPort", "53",
               "Protocol", "17", "Direction", "%%14593");
    TEST_EVENT(tcp, "Security", 5156, "Application", "\\device\\harddiskvolume2\\x.exe", "DestPort", "53",
               "Protocol", "6", "Direction", "%%14593");
    CHECK_INT(test_match(net, &wfp), 1);
    CHECK_INT(test_match(net, &tcp), 0);
    /* process_termination is Sysmon 5 only (it ran on every event) */
    const char *term = "title: t\nlogsource:\n  product: windows\n  category: process_termination\n"
                       "detection:\n  s:\n    Image|endswith: .exe\n  condition: s\n";
    TEST_EVENT(p5, "Microsoft-Windows-Sysmon/Operational", 5, "Image", "C:\\x.exe");
    TEST_EVENT(p1, "Microsoft-Windows-Sysmon/Operational", 1, "Image", "C:\\x.exe");
    CHECK_INT(test_match(term, &p5), 1);
    CHECK_INT(test_match(term, &p1), 0);
    /* file_rename is Kernel-File's, not Sysmon 11 (a creation) */
    const char *ren = "title: r\nlogsource:\n  product: windows\n  category: file_rename\n"
                      "detection:\n  s:\n    TargetFilename|endswith: .dll\n  condition: s\n";
    TEST_EVENT(s11, "Microsoft-Windows-Sysmon/Operational", 11, "TargetFilename", "C:\\x.dll");
    CHECK_INT(test_match(ren, &s11), 0);
    /* ProcessID is an EventData field, never the logging service's PID */
    const char *pid = "title: p\nlogsource:\n  product: windows\n  service: security\n"
                      "detection:\n  s:\n    ProcessID: '588'\n  condition: s\n";
    TEST_EVENT(sec, "Security", 4624, "ProcessId", "0x0");
    sec.pid = 588;
    CHECK_INT(test_match(pid, &sec), 0);
}

TN_TEST(test_logsource_other_product_never)
{
    TEST_EVENT(ev, "X", 1, "A", "1");
    CHECK_INT(test_match("title: l\nlogsource:\n  product: linux\ndetection:\n  s:\n    A: 1\n  condition: s\n", &ev), 0);
    CHECK_INT(test_match("title: l\nlogsource:\n  product: windows\n  service: security\ndetection:\n  s:\n    A: 1\n  condition: s\n", &ev), 0);
    TEST_EVENT(sec, "Security", 1102, "A", "1");
    CHECK_INT(test_match("title: l\nlogsource:\n  product: windows\n  service: security\ndetection:\n  s:\n    A: 1\n  condition: s\n", &sec), 1);
}

/* A linux rule reaches the sources of its own map entry (auditd: the
 * auditd reader's events), and only those; before, no linux rule ever
 * matched, auditd input included. */
TN_TEST(test_logsource_linux_auditd)
{
    const char *aud = "title: l\nlogsource:\n  product: linux\n  service: auditd\n"
                      "detection:\n  s:\n    type: EXECVE\n  condition: s\n";
    TEST_EVENT(ev, "auditd", 0, "type", "EXECVE");
    CHECK_INT(test_match(aud, &ev), 1);
    TEST_EVENT(win, "Security", 0, "type", "EXECVE");
    CHECK_INT(test_match(aud, &win), 0);
    /* linux categories have no entry: nothing reaches them */
    CHECK_INT(test_match("title: l\nlogsource:\n  product: linux\n  category: process_creation\n"
                         "detection:\n  s:\n    type: EXECVE\n  condition: s\n", &ev), 0);
    /* Windows rules of a mapped logsource do not see auditd records */
    CHECK_INT(test_match("title: l\nlogsource:\n  product: windows\n  service: security\n"
                         "detection:\n  s:\n    type: EXECVE\n  condition: s\n", &ev), 0);
}

TN_TEST(test_global_filter)
{
    const char *y = "title: r\nid: 6f3e2987-db24-4c78-a860-b4f4095a7095\nlogsource:\n  product: windows\n"
                    "detection:\n  s:\n    A: 1\n  condition: s\n"
                    "---\n"
                    "title: f\nlogsource:\n  product: windows\nfilter:\n  rules:\n"
                    "    - 6f3e2987-db24-4c78-a860-b4f4095a7095\n  selection:\n    User|startswith: 'adm_'\n"
                    "  condition: selection\n";
    TEST_EVENT(admin, "X", 1, "A", "1", "User", "adm_bob");
    TEST_EVENT(user, "X", 1, "A", "1", "User", "bob");
    CHECK_INT(test_match(y, &admin), 0);
    CHECK_INT(test_match(y, &user), 1);
}

/* A filter names its rules by id in either case or by their `name`
 * (sigma-rules-specification.md: "can be used instead of the id as a
 * reference"); an empty list is rejected (the filter schema's minItems). */
TN_TEST(test_global_filter_references)
{
    const char *rule = "title: r\nname: my_rule\nid: 6f3e2987-db24-4c78-a860-b4f4095a7095\n"
                       "logsource:\n  product: windows\ndetection:\n  s:\n    A: 1\n  condition: s\n---\n"
                       "title: f\nlogsource:\n  product: windows\nfilter:\n  rules:%s\n"
                       "  selection:\n    User|startswith: 'adm_'\n  condition: selection\n";
    const char *refs[] = {"\n    - my_rule", "\n    - 6F3E2987-DB24-4C78-A860-B4F4095A7095", " my_rule",
                          "\n    - other\n    - my_rule"};
    char y[1024];
    TEST_EVENT(admin, "X", 1, "A", "1", "User", "adm_bob");
    TEST_EVENT(user, "X", 1, "A", "1", "User", "bob");
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        snprintf(y, sizeof(y), rule, refs[i]);
        CHECK_INT(test_match(y, &admin), 0);
        CHECK_INT(test_match(y, &user), 1);
    }
    snprintf(y, sizeof(y), rule, "\n    - my_rul");   /* names are whole */
    CHECK_INT(test_match(y, &admin), 1);
    const char *bad[] = {" []", " ''", "\n    - {a: b}", "\n    - ''"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(y, sizeof(y), rule, bad[i]);
        tn_ruleset *rs = test_load(y, 0);   /* the rule loads, the filter does not */
        CHECK(rs != NULL);
        CHECK(strstr(test_last_reject, "t.yml:") && strstr(test_last_reject, "filter's 'rules'"));
        tn_ruleset_free(rs);
        CHECK_INT(test_match(y, &admin), 1);
    }
}

/* YAML 1.2.2: "each of the keys is unique". A search written twice was
 * the first for `condition: s` and both for `1 of them`; now the rule is
 * rejected at the second key, in small maps and in large ones (sorted). */
TN_TEST(test_yaml_duplicate_key_rejected)
{
    const char *y = "title: d\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: foo\n"
                    "  s:\n    A: bar\n  condition: s\n";
    tn_ruleset *rs = test_load(y, 0);
    CHECK(rs == NULL);
    tn_ruleset_free(rs);
    CHECK(strstr(test_last_reject, "t.yml:7:3: YAML: duplicate key 's' (first at line 5, column 3)") != NULL);
    char big[4096];
    for (int dup = 0; dup < 2; dup++) {
        int n = snprintf(big, sizeof(big), "title: d\nlogsource:\n  product: windows\ndetection:\n  s:\n");
        for (int i = 0; i < 40; i++)
            n += snprintf(big + n, sizeof(big) - (size_t)n, "    F%d: x\n", dup && i == 33 ? 7 : i);
        snprintf(big + n, sizeof(big) - (size_t)n, "  condition: s\n");
        rs = test_load(big, 0);
        CHECK((rs != NULL) == !dup);
        if (dup)
            CHECK(strstr(test_last_reject, "t.yml:39:5: YAML: duplicate key 'F7' (first at line 13") != NULL);
        tn_ruleset_free(rs);
    }
    /* keys differ by case: two keys */
    rs = test_load("title: d\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: 1\n"
                               "    a: 2\n  condition: s\n", 0);
    CHECK(rs != NULL);
    tn_ruleset_free(rs);
}

/* A YAML error costs the file from there on, not the documents before
 * it; the message carries libyaml's context (where the construct began). */
TN_TEST(test_yaml_error_keeps_earlier_documents)
{
    const char *y = "title: good\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: foo\n"
                    "  condition: s\n---\ntitle: bad\nlogsource:\n  product: windows\ndetection:\n"
                    "  s:\n    A: [foo\n  condition: s\n";
    tn_ruleset *rs = test_load(y, 0);
    CHECK(rs != NULL);
    if (rs)
        CHECK_INT(tn_ruleset_count(rs), 1);
    CHECK(strstr(test_last_reject, "(while parsing a flow sequence at line 14, column 8)") != NULL);
    tn_ruleset_free(rs);
    rs = test_load("title: q\nlogsource:\n  product: windows\ndetection:\n  s:\n    A: 'foo\n"
                   "  condition: s\n", 0);
    CHECK(rs == NULL);
    tn_ruleset_free(rs);
    CHECK(strstr(test_last_reject, "while scanning a quoted scalar at line 6, column 8") != NULL);
}

/* Aliases resolve to the newest node anchored under the name, within
 * their document only; anchors are found by a hash map (a list searched
 * from the newest was quadratic: 40,000 anchors and aliases, 3.5 s). */
TN_TEST(test_yaml_anchors)
{
    tn_arena a;
    tn_arena_init(&a, 4096);
    tn_ystream st;
    char err[256];
    uint32_t el, ec;
    const char *y = "a: &x one\nb: *x\nc: &x two\nd: *x\ne: &y [*x, *x]\nf: *y\n";
    CHECK_INT(tn_yaml_parse(y, strlen(y), &a, &st, err, sizeof(err), &el, &ec), 0);
    CHECK_INT((int)st.ndocs, 1);
    if (st.ndocs == 1) {
        tn_ynode *r = st.docs[0];
        CHECK_STR(tn_ymap_get(r, "b")->str, "one");
        CHECK_STR(tn_ymap_get(r, "d")->str, "two");
        tn_ynode *f = tn_ymap_get(r, "f");
        CHECK(f->kind == TN_Y_SEQ && f->count == 2 && !strcmp(f->child->str, "two"));
        CHECK_INT((int)tn_ymap_get(r, "f")->line, 6);   /* the alias's own place */
    }
    /* an anchor of an earlier document is unknown in the next */
    y = "a: &x one\n---\nb: *x\n";
    CHECK_INT(tn_yaml_parse(y, strlen(y), &a, &st, err, sizeof(err), &el, &ec), -1);
    CHECK_INT((int)st.ndocs, 1);
    CHECK(strstr(err, "unknown anchor") != NULL);
    CHECK_INT((int)el, 3);
    /* many names: each alias finds its own */
    tn_buf b = {0};
    tn_buf_puts(&b, "s:\n");
    for (int i = 0; i < 5000; i++)
        tn_buf_printf(&b, "  - &n%d v%d\n", i, i);
    tn_buf_puts(&b, "t:\n");
    for (int i = 4999; i >= 0; i--)
        tn_buf_printf(&b, "  - *n%d\n", i);
    CHECK(tn_buf_ok(&b));
    CHECK_INT(tn_yaml_parse(b.data, b.len, &a, &st, err, sizeof(err), &el, &ec), 0);
    if (st.ndocs == 1) {
        tn_ynode *t = tn_ymap_get(st.docs[0], "t");
        CHECK(t && t->count == 5000);
        int ok = 1, i = 4999;
        for (tn_ynode *n = t ? t->child : NULL; n; n = n->next, i--) {
            char want[16];
            snprintf(want, sizeof(want), "v%d", i);
            ok &= !strcmp(n->str, want);
        }
        CHECK(ok && i == -1);
    }
    tn_buf_free(&b);
    tn_arena_free(&a);
}

static int count_cb(const tn_rule_info *r, const tn_event *ev, void *ctx)
{
    (void)ev;
    CHECK_STR(r->title, "t");
    CHECK_STR(r->level, "high");
    (*(int *)ctx)++;
    return 0;
}

TN_TEST(test_callback_gets_rule)
{
    TEST_EVENT(ev, "X", 1, "A", "1");
    tn_ruleset *rs = test_load(RULE("  s:\n    A: 1\n  condition: s\n"), 0);
    CHECK(rs != NULL);
    tn_scanner *sc = tn_scanner_new(rs);
    int n = 0;
    CHECK_INT(tn_scanner_match(sc, &ev, count_cb, &n), 1);
    CHECK_INT(n, 1);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
}

static int tree_depth(const tn_cnode *c)
{
    if (!c)
        return 0;
    int a = tree_depth(c->op == TN_C_REF || c->op == TN_C_ANY || c->op == TN_C_ALL ? NULL : c->a);
    int b = tree_depth(c->op == TN_C_AND || c->op == TN_C_OR ? c->b : NULL);
    return 1 + (a > b ? a : b);
}

/* A flat run of 'and' or 'or' is a tree of depth log2(n): as a chain n
 * deep, 9,000 terms overflowed the stack of every walk of the tree (the
 * literal prefilter's, the usable check's, the evaluator's; a review,
 * session 23), and so did a list of 20,000 conditions. */
TN_TEST(test_condition_long_runs_balanced)
{
    size_t n = 100000, cap = n * 9 + 64;
    char *big = malloc(cap);
    CHECK(big != NULL);
    if (!big)
        return;
    for (int op = 0; op < 2; op++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            k += (size_t)snprintf(big + k, cap - k, i ? (op ? " and sel1" : " or sel2") : "sel1");
        static const char *const names[] = {"sel1", "sel2"};
        tn_arena a;
        tn_arena_init(&a, 1 << 16);
        char err[200];
        size_t at;
        tn_cnode *c = tn_cond_parse(big, k, names, 2, &a, err, sizeof(err), &at);
        CHECK(c != NULL);
        CHECK(tree_depth(c) <= 20);
        tn_arena_free(&a);
    }
    /* and it matches as written, as a rule */
    size_t ycap = n * 9 + 512;
    char *y = malloc(ycap);
    CHECK(y != NULL);
    if (y) {
        size_t k = (size_t)snprintf(y, ycap, "title: t\nlogsource:\n  product: windows\ndetection:\n"
                                      "  sel1:\n    A: 1\n  sel2:\n    B: 1\n  condition: sel2");
        for (size_t i = 1; i < n; i++)
            k += (size_t)snprintf(y + k, ycap - k, " or sel2");
        snprintf(y + k, ycap - k, " or sel1\n");
        TEST_EVENT(ev, "X", 1, "A", "1", "B", "0");
        CHECK_INT(test_match(y, &ev), 1);
        free(y);
    }
    free(big);
}
