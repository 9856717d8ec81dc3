/* out.c - creates the output tree and the asset inventory. */
#include "gen/out.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int mkdir_ok(const char *p)
{
    if (mkdir(p, 0755) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "tansa gen: %s: %s\n", p, strerror(errno));
    return -1;
}

/* The role column: what the host is; crown-jewel file servers are
 * "crown_jewel" so that one comparison finds them. */
static const char *role_text(const tn_host *h)
{
    static const char *const roles[] = {"domain_controller", "file_server", "av_server",
                                        "mail_server", "workstation"};
    return h->crown ? "crown_jewel" : roles[h->role];
}

int tn_gen_out_prepare(const char *out, const tn_org *o)
{
    static const char *const sites[] = {"HQ", "R&D", "Affiliate"};
    char p[512];
    snprintf(p, sizeof(p), "%s/logs", out);
    if (mkdir_ok(out) || mkdir_ok(p))
        return -1;
    for (uint32_t i = 0; i < o->nhosts; i++) {
        snprintf(p, sizeof(p), "%s/logs/%s", out, o->hosts[i].name);
        if (mkdir_ok(p))
            return -1;
    }
    snprintf(p, sizeof(p), "%s/assets.csv", out);
    FILE *f = fopen(p, "w");
    if (!f) {
        fprintf(stderr, "tansa gen: %s: %s\n", p, strerror(errno));
        return -1;
    }
    fprintf(f, "host,fqdn,ip,site,role\n");
    for (uint32_t i = 0; i < o->nhosts; i++) {
        const tn_host *h = &o->hosts[i];
        fprintf(f, "%s,%s,%s,%s,%s\n", h->name, h->fqdn, h->ip, sites[h->site],
                role_text(h));
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "tansa gen: %s: %s\n", p, strerror(errno));
        return -1;
    }
    return 0;
}
