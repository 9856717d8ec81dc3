/* out.h - the output folder: logs/<HOST>/ folders and assets.csv. */
#ifndef TN_GEN_OUT_H
#define TN_GEN_OUT_H

#include "gen/org.h"

/* Creates out/, out/logs/<HOST>/ for every host and writes out/assets.csv
 * (host,fqdn,ip,site,role). Returns 0, or -1 after printing why. */
int tn_gen_out_prepare(const char *out, const tn_org *o);

#endif
