/* fuzz_rule.c - libFuzzer target for the Sigma rule loader (YAML to rule set).
 *
 * The input is a rule file. Loading must never crash or leak, whatever
 * the YAML, modifiers, regexes or conditions; a loaded rule set is then
 * matched against a small fixed event to exercise the evaluator. Needs
 * TANSA_DATA or ./data for the logsource map. */
#include "match/scanner.h"
#include "sigma/sigma.h"

#include <stddef.h>
#include <stdint.h>
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tn_field f[] = {
        {"Image", "C:\\Windows\\System32\\cmd.exe", 0, 0, 0},
        {"CommandLine", "cmd /c whoami -all", 0, 0, 0},
        {"DestinationIp", "10.1.2.3", 0, 0, 0},
        {"UtcTime", "2024-01-02 03:04:05.678", 0, 0, 0},
        {"Empty", "", 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        f[i].name_len = (uint32_t)strlen(f[i].name);
        f[i].value_len = (uint32_t)strlen(f[i].value);
    }
    tn_event ev = {.provider = "P", .provider_guid = "", .channel = "Microsoft-Windows-Sysmon/Operational",
                   .computer = "h", .user_sid = "", .event_id = 1, .fields = f, .nfields = 5, .file = ""};
    tn_rule_opts o = {.on_reject = ignore, .on_warn = ignore};
    tn_ruleset *rs;
    if (tn_ruleset_load_text((const char *)data, size, "fuzz.yml", &o, NULL, &rs) != TN_RS_OK)
        return 0;
    tn_scanner *sc = tn_scanner_new(rs);
    if (sc)
        tn_scanner_match(sc, &ev, NULL, NULL);
    tn_scanner_free(sc);
    tn_ruleset_free(rs);
    return 0;
}
