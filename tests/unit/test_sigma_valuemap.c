/* test_sigma_valuemap.c - logsource renames that translate values:
 * Sysmon's Initiated 'true' is 5156's Direction %%14593 (data/logsources.yml),
 * with and without the prefilter (test_match runs both). */
#include "tn_test.h"

#include "sigma_helpers.h"

TN_TEST(test_initiated_is_5156_direction)
{
    const char *rule = "title: rdp out\nlogsource:\n  category: network_connection\n  product: windows\n"
                       "detection:\n  sel:\n    Initiated: 'true'\n    DestinationPort: 3389\n"
                       "  condition: sel\n";
    TEST_EVENT(out5156, "Security", 5156, "Direction", "%%14593", "DestPort", "3389",
               "Application", "\\device\\harddiskvolume1\\windows\\system32\\mstsc.exe");
    TEST_EVENT(in5156, "Security", 5156, "Direction", "%%14592", "DestPort", "3389");
    TEST_EVENT(sysmon, "Microsoft-Windows-Sysmon/Operational", 3, "Initiated", "true",
               "DestinationPort", "3389");
    TEST_EVENT(sysmon_in, "Microsoft-Windows-Sysmon/Operational", 3, "Initiated", "false",
               "DestinationPort", "3389");
    CHECK_INT(test_match(rule, &out5156), 1);
    CHECK_INT(test_match(rule, &in5156), 0);
    CHECK_INT(test_match(rule, &sysmon), 1);
    CHECK_INT(test_match(rule, &sysmon_in), 0);
    /* the inbound code reads as 'false' */
    const char *inbound = "title: rdp in\nlogsource:\n  category: network_connection\n  product: windows\n"
                          "detection:\n  sel:\n    Initiated: 'false'\n  condition: sel\n";
    CHECK_INT(test_match(inbound, &in5156), 1);
    CHECK_INT(test_match(inbound, &out5156), 0);
    /* a value outside the table is seen as it is */
    TEST_EVENT(odd, "Security", 5156, "Direction", "%%99999");
    const char *raw = "title: raw\nlogsource:\n  category: network_connection\n  product: windows\n"
                      "detection:\n  sel:\n    Initiated|contains: '99999'\n  condition: sel\n";
    CHECK_INT(test_match(raw, &odd), 1);
}
