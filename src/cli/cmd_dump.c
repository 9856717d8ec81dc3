/* cmd_dump.c - `tansa dump`: EVTX records as JSON Lines or XML. */
#include "cli.h"

#include "base/diag.h"

#include <stdio.h>

int tn_cmd_dump(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "tansa dump: the EVTX reader is being written\n");
    return TN_EXIT_INTERNAL;
}
