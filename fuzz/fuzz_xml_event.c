/* fuzz_xml_event.c - libFuzzer target: arbitrary text through the event XML reader.
 *
 * Run: make fuzz && build/fuzz/fuzz_xml_event -dict=fuzz/xml_event.dict -max_len=4096 DIR
 * (findings go to tests/fuzz-regress/xml_event/, replayed by the unit tests). */
#include "read/xml_event.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Names and values are NUL-terminated at their lengths (they may hold
 * NULs, as JSON "\u0000" can put them there). */
static int check(void *ctx, const char *name, uint32_t nlen, const char *value, uint32_t vlen,
                 int is_null)
{
    (void)ctx;
    if (name[nlen] != '\0' || value[vlen] != '\0' || (is_null && vlen))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tn_arena a;
    tn_arena_init(&a, 4096);
    tn_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.provider = ev.provider_guid = ev.channel = ev.computer = ev.user_sid = "";
    tn_xml_event(&a, (const char *)data, size, &ev, check, NULL);
    const char *s[] = {ev.provider, ev.provider_guid, ev.channel, ev.computer, ev.user_sid};
    for (size_t i = 0; i < 5; i++)
        if (strlen(s[i]) > size)
            abort();
    tn_arena_free(&a);
    return 0;
}
