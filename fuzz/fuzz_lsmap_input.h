/* fuzz_lsmap_input.h - what fuzz_lsmap.c checks on one input, shared with
 * the unit test that replays tests/fuzz-regress/lsmap/.
 *
 * The input is a log-source map (YAML, as `hunt --logsource-map FILE`
 * reads it), applied after the built-in one. A fixed set of rules is
 * loaded with it, with and without the prefilter, and matched against
 * fixed events whose fields are what the map's rename options read
 * (device and registry paths, well-known SIDs, '-' and empty values,
 * %% codes, a field named like a System member). For each event the set
 * of rules that hold must be the same both ways, and the same when the
 * event is matched again (the scanner's caches), and when events are
 * prescanned as one batch as hunt matches them. The seeds define the
 * category fuzz_test on channel Test. */
#ifndef FUZZ_LSMAP_INPUT_H
#define FUZZ_LSMAP_INPUT_H

#include "match/scanner.h"
#include "sigma/sigma.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FZ_LT "logsource:\n  category: fuzz_test\n  product: windows\ndetection:\n"
#define FZ_PC "logsource:\n  category: process_creation\n  product: windows\ndetection:\n"
#define FZ_NC "logsource:\n  category: network_connection\n  product: windows\ndetection:\n"
#define FZ_RS "logsource:\n  category: registry_set\n  product: windows\ndetection:\n"
/* at most 32 rules: a bit each */
static const char fz_lsmap_rules[] =
    "title: r0\n" FZ_LT "  sel:\n    Acct|contains: bob\n  condition: sel\n---\n"
    "title: r1\n" FZ_LT "  sel:\n    Acct: 'D\\bob'\n  condition: sel\n---\n"
    "title: r2\n" FZ_LT "  sel:\n    Acct|startswith: 'NT AUTHORITY\\'\n  condition: sel\n---\n"
    "title: r3\n" FZ_LT "  sel:\n    Img|endswith: '\\x.exe'\n  condition: sel\n---\n"
    "title: r4\n" FZ_LT "  sel:\n    Img|startswith: 'C:\\'\n  condition: sel\n---\n"
    "title: r5\n" FZ_LT "  sel:\n    Key|startswith: 'HKLM\\SOFTWARE\\'\n    Key|endswith: '\\v'\n"
    "  condition: sel\n---\n"
    "title: r6\n" FZ_LT "  sel:\n    Dir: 'true'\n  condition: sel\n---\n"
    "title: r7\n" FZ_LT "  sel:\n    Acct|re: '^[a-z]+\\\\(eve|bob)$'\n  condition: sel\n---\n"
    "title: r8\n" FZ_LT "  sel:\n    Acct: null\n  condition: sel\n---\n"
    "title: r9\n" FZ_LT "  sel:\n    Acct|exists: true\n  condition: sel\n---\n"
    "title: r10\n" FZ_LT "  kw:\n    - 'eve'\n  condition: kw\n---\n"
    "title: r11\n" FZ_LT "  sel:\n    Ip|cidr: 10.0.0.0/8\n  condition: sel\n---\n"
    "title: r12\n" FZ_LT "  sel:\n    Acct|fieldref: Other\n  condition: sel\n---\n"
    "title: r13\n" FZ_LT "  sel:\n    EventID: 7\n  condition: sel\n---\n"
    "title: r14\n" FZ_LT "  sel:\n    Acct|neq: bob\n  condition: sel\n---\n"
    "title: r15\n" FZ_LT "  sel:\n    Acct|contains|all: [D, eve]\n  condition: sel\n---\n"
    "title: r16\n" FZ_LT "  sel:\n    Acct: ''\n  condition: sel\n---\n"
    "title: r17\n" FZ_LT "  sel:\n    Computer: h\n    Acct|endswith: 'SYSTEM'\n  condition: sel\n---\n"
    "title: r18\n" FZ_LT "  sel:\n    Num|gt: 5\n  condition: sel\n---\n"
    "title: r19\n" FZ_LT "  a:\n    Acct|contains: e\n  b:\n    Img|contains: x\n"
    "  condition: a and not b\n---\n"
    "title: r20\n" FZ_PC "  sel:\n    User|contains: AUTHORI\n  condition: sel\n---\n"
    "title: r21\n" FZ_PC "  sel:\n    Image|endswith: '\\cmd.exe'\n    LogonId: '0x3e7'\n"
    "  condition: sel\n---\n"
    "title: r22\n" FZ_NC "  sel:\n    Initiated: 'true'\n    Image|endswith: '\\x.exe'\n"
    "  condition: sel\n---\n"
    "title: r23\n" FZ_RS "  sel:\n    TargetObject|contains: '\\CurrentControlSet\\'\n"
    "  condition: sel\n";

typedef struct {
    const char *channel;
    uint32_t event_id;
    const char *kv[32];   /* name, value, ...; NULL ends */
} fz_lsmap_ev;

static const fz_lsmap_ev fz_lsmap_events[] = {
    {"Test", 1, {"Name", "bob", "Dom", "D", "Tgt", "T", "Other", "eve", "Sid", "S-1-5-21-1-2-3-1000",
                 "Path", "\\device\\harddiskvolume2\\x.exe", "Reg", "\\REGISTRY\\MACHINE\\SOFTWARE\\k",
                 "Val", "v", "Dir", "%%14593", "Ip", "10.1.2.3", "Num", "7",
                 "Acc", "%%4416\r\n\t%%4417 %%44170 %%1537%%", NULL}},
    {"Test", 1, {"Name", "-", "Dom", "-", "Tgt", "-", "Other", "eve", "Sid", "S-1-5-18",
                 "Path", "\\Device\\HarddiskVolume13\\Tools\\y.exe", "Reg",
                 "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\s", "Val", "", "Dir", "%%14592",
                 "Ip", "192.168.1.1", "Num", "x", NULL}},
    {"Test", 7, {"Name", "", "Dom", "D", "Other", "bob", "Sid", "s-1-5-20", "Path", "System",
                 "Reg", "\\REGISTRY\\USER\\S-1-5-21-1\\Software\\x", "Val", "v", "Ev", "7",
                 "Computer", "data-computer", "Channel", "data-channel", "Num", "12", NULL}},
    {"Test", 2, {"Other", "eve", "Num", "-3", NULL}},
    {"Test", 3, {"Name", "carl", "Dom", "D", "Other", "bob", "Path", "\\device\\harddiskvolume1\\x.exe", NULL}},
    {"Security", 4688, {"SubjectUserSid", "S-1-5-21-1-2-3-1000", "SubjectUserName", "IEUser",
                        "SubjectDomainName", "WS", "SubjectLogonId", "0x16e3db3", "TargetUserSid", "S-1-5-18",
                        "TargetUserName", "WS$", "TargetDomainName", "WORKGROUP", "TargetLogonId", "0x3e7",
                        "NewProcessName", "C:\\Windows\\System32\\cmd.exe", NULL}},
    {"Security", 5156, {"Direction", "%%14593", "Application", "\\device\\harddiskvolume2\\x.exe",
                        "DestPort", "443", NULL}},
    {"Security", 4657, {"ObjectName", "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\s",
                        "ObjectValueName", "ImagePath", "OperationType", "%%1905", NULL}},
};
#define FZ_LSMAP_NEV (sizeof(fz_lsmap_events) / sizeof(fz_lsmap_events[0]))

static void fz_lsmap_ignore(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why)
{
    (void)ctx, (void)file, (void)line, (void)col, (void)why;
}

static int fz_lsmap_on_match(const tn_rule_info *r, const tn_event *ev, void *ctx)
{
    (void)ev;
    if (r->index < 32)
        *(uint32_t *)ctx |= 1u << r->index;
    return 0;
}

/* The fixed events, in evs, their fields in f. */
static void fz_lsmap_build(tn_field f[][12], tn_event *evs)
{
    for (size_t i = 0; i < FZ_LSMAP_NEV; i++) {
        const fz_lsmap_ev *e = &fz_lsmap_events[i];
        uint32_t n = 0;
        for (; e->kv[2 * n]; n++)
            f[i][n] = (tn_field){.name = e->kv[2 * n], .name_len = (uint32_t)strlen(e->kv[2 * n]),
                                 .value = e->kv[2 * n + 1],
                                 .value_len = (uint32_t)strlen(e->kv[2 * n + 1])};
        evs[i] = (tn_event){.provider = "P", .provider_guid = "", .channel = e->channel, .computer = "h",
                            .user_sid = "", .event_id = e->event_id, .fields = f[i], .nfields = n,
                            .file = ""};
    }
}

/* The rules of rs that hold on each event (a bit each, in out), matched
 * twice one by one and then prescanned as one batch; -1 when these
 * disagree. */
static int fz_lsmap_matches(const tn_ruleset *rs, const tn_event *evs, uint32_t *out)
{
    tn_scanner *sc = tn_scanner_new(rs);
    if (!sc)
        return 0;   /* out of memory: nothing to compare */
    int bad = 0;
    for (size_t i = 0; i < FZ_LSMAP_NEV; i++) {
        uint32_t a = 0, b = 0;
        tn_scanner_match(sc, &evs[i], fz_lsmap_on_match, &a);
        tn_scanner_match(sc, &evs[i], fz_lsmap_on_match, &b);
        bad |= a != b;
        out[i] = a;
    }
    const tn_event *batch[2 * FZ_LSMAP_NEV];
    for (size_t i = 0; i < 2 * FZ_LSMAP_NEV; i++)
        batch[i] = &evs[i % FZ_LSMAP_NEV];
    tn_scanner_prescan(sc, batch, 2 * FZ_LSMAP_NEV);
    for (size_t i = 0; i < 2 * FZ_LSMAP_NEV; i++) {
        uint32_t c = 0;
        tn_scanner_match(sc, batch[i], fz_lsmap_on_match, &c);
        bad |= c != out[i % FZ_LSMAP_NEV];
    }
    tn_scanner_free(sc);
    return bad ? -1 : 0;
}

/* Loads the fixed rules with the map in path (written by the caller),
 * with and without the prefilter. 0: both agree; 1: the map was refused
 * (or memory ran out); -1: they disagree (the fuzzer aborts, the replay
 * fails). */
static int fz_lsmap_check(const char *path, const char *data_dir)
{
    tn_field f[FZ_LSMAP_NEV][12];
    tn_event evs[FZ_LSMAP_NEV];
    fz_lsmap_build(f, evs);
    const char *maps[] = {path};
    uint32_t got[2][FZ_LSMAP_NEV];
    for (int np = 0; np < 2; np++) {
        tn_rule_opts o = {.data_dir = data_dir, .logsource_maps = maps, .nlogsource_maps = 1,
                          .on_reject = fz_lsmap_ignore, .on_warn = fz_lsmap_ignore, .no_prefilter = np};
        tn_ruleset *rs = NULL;
        if (tn_ruleset_load_text(fz_lsmap_rules, sizeof(fz_lsmap_rules) - 1, "fuzz.yml", &o, NULL, &rs) !=
            TN_RS_OK)
            return 1;   /* a map refused (or out of memory) loads no rule either way */
        int r = fz_lsmap_matches(rs, evs, got[np]);
        tn_ruleset_free(rs);
        if (r)
            return -1;
    }
    return memcmp(got[0], got[1], sizeof(got[0])) ? -1 : 0;
}

#endif
