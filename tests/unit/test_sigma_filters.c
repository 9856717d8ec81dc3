/* test_sigma_filters.c - global filters apply to the rules they name (or
 * to all with `rules: any`) only within their logsource, as pySigma's
 * logsource containment: each of product, category and service the
 * filter sets must be the rule's. */
#include "tn_test.h"

#include "sigma_helpers.h"

#define RULE_PC "title: r\nid: 11111111-0000-0000-0000-000000000001\nlogsource:\n" \
                "  product: windows\n  category: process_creation\n"                 \
                "detection:\n  s:\n    Image|endswith: '\\\\rar.exe'\n  condition: s\n"

static const char *with_filter(char *buf, size_t size, const char *logsource, const char *rules)
{
    snprintf(buf, size,
             RULE_PC "---\ntitle: f\nlogsource:\n%sfilter:\n  rules: %s\n"
                     "  selection:\n    User|startswith: 'adm_'\n  condition: selection\n",
             logsource, rules);
    return buf;
}

TN_TEST(test_filter_logsource_containment)
{
    TEST_EVENT(admin, "Microsoft-Windows-Sysmon/Operational", 1, "Image", "C:\\x\\rar.exe", "User",
               "adm_bob");
    TEST_EVENT(user, "Microsoft-Windows-Sysmon/Operational", 1, "Image", "C:\\x\\rar.exe", "User", "bob");
    char y[2048];
    const char *id = "[11111111-0000-0000-0000-000000000001]";
    /* same logsource, or a wider one: applies */
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: windows\n  category: process_creation\n", id), &admin), 0);
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: windows\n", id), &admin), 0);
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  category: process_creation\n", id), &admin), 0);
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: windows\n", id), &user), 1);
    /* another logsource: does not apply, even though it names the rule */
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: windows\n  category: file_event\n", id), &admin), 1);
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: linux\n", id), &admin), 1);
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: windows\n  service: security\n", id), &admin), 1);
    /* rules: any - every rule within the logsource */
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: windows\n", "any"), &admin), 0);
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: windows\n", "any"), &user), 1);
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: linux\n", "any"), &admin), 1);
    /* naming another rule: no effect */
    CHECK_INT(test_match(with_filter(y, sizeof(y), "  product: windows\n", "[some-other-id]"), &admin), 1);
}
