/* fuzz_auditd.c - libFuzzer target: arbitrary bytes through the auditd line reader.
 *
 * Run: make fuzz && build/fuzz/fuzz_auditd -dict=fuzz/auditd.dict -max_len=4096 DIR
 * (findings go to tests/fuzz-regress/auditd/, replayed by the unit tests). */
#include "read/auditd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tn_diag d = {.quiet = 1};
    tn_auditd *r;
    if (tn_auditd_open_mem(data, size, "fuzz", &d, &r))
        return 0;
    uint64_t last = 0;
    tn_event ev;
    while (tn_auditd_next(r, &ev) == TN_JSONL_EVENT) {
        if (ev.offset <= last || !ev.computer || ev.nfields == 0)
            abort(); /* one event per line, in order; "type" always there */
        last = ev.offset;
        for (uint32_t i = 0; i < ev.nfields; i++)
            if (strlen(ev.fields[i].value) != ev.fields[i].value_len ||
                strlen(ev.fields[i].name) != ev.fields[i].name_len)
                abort();
    }
    tn_auditd_close(r);
    return 0;
}
