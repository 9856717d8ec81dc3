/* auditd.h - reader of Linux audit logs (auditd's raw text lines) into events. */
#ifndef TN_AUDITD_H
#define TN_AUDITD_H

#include "base/diag.h"
#include "read/event.h"
#include "read/jsonl.h" /* TN_JSONL_* results, shared by the line readers */

#include <stddef.h>

/* One event per line of /var/log/audit/audit.log:
 *   [node=HOST ]type=SYSCALL msg=audit(1604996384.965:93777): k=v k="v" ...
 * computer = node (or ""), time = the audit timestamp, record_id = the
 * serial (the records of one syscall share it), channel "auditd" (where
 * data/logsources.yml sends `product: linux, service: auditd` rules),
 * provider "".
 * Fields, in order: "type", then every k=v with quotes removed. Values
 * the kernel writes in hex when they hold a space, quote, control or
 * non-ASCII byte (an EXECVE record's arguments; comm, exe, cwd, name,
 * proctitle, key, acct, cmd ... unquoted) are decoded, as ausearch -i
 * shows them (a NUL as a space), so `a2|contains: 'curl '` reads the
 * argument and not its hex; a long argument's pieces a1[0], a1[1], ...
 * are joined into a1 (within one record: pieces the kernel carries on in
 * a second EXECVE record of the same serial are not joined across), and
 * several keys (0x01 between them) give one
 * `key` field each. A single-quoted value holding k=v
 * pairs (msg='op=PAM:login acct="root" res=success' of USER_* records)
 * gives those pairs as fields too. Enriched logs (0x1D before the
 * upper-case names) are split the same way. Lines that are not audit
 * records are reported as TN_P_RECORD ("line N") and skipped. */
typedef struct tn_auditd tn_auditd;

#define TN_AUDITD_MAX_LINE (1024u * 1024) /* longer lines are skipped */

/* As tn_jsonl_open / _open_mem / _next / _close, with the same results. */
int tn_auditd_open(const char *path, tn_diag *d, tn_auditd **out);
int tn_auditd_open_mem(const void *data, size_t n, const char *name, tn_diag *d,
                       tn_auditd **out);
int tn_auditd_next(tn_auditd *r, tn_event *ev);
void tn_auditd_close(tn_auditd *r);

#endif
