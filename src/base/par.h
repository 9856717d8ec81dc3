/* par.h - two thread pools: an ordered parallel map (tasks run on N
 * threads, results emitted in task order from the calling thread, with
 * bounded buffering), and an unordered one (N threads, the caller among
 * them, each running a loop that claims its own work). */
#ifndef TN_PAR_H
#define TN_PAR_H

#include "base/buf.h"

#include <stddef.h>

/* work runs task t on worker w (0 <= w < nthreads), writing into out,
 * which is empty on entry. emit runs on the calling thread, in task order,
 * with the same buffer. Either returns nonzero to stop early. At most
 * 4 * nthreads task outputs are held at once. Returns 0, or the first
 * nonzero value a callback returned. */
typedef int (*tn_par_work)(void *arg, size_t task, int worker, tn_buf *out);
typedef int (*tn_par_emit)(void *arg, size_t task, tn_buf *out);

int tn_par_run(int nthreads, size_t ntasks, tn_par_work work, tn_par_emit emit, void *arg);

/* Runs loop(arg, w) on nthreads threads at once, w = 0..nthreads-1; the
 * calling thread is worker 0, so nthreads = 1 starts no thread. Each loop
 * claims work by itself (e.g. from a counter under a lock) until none is
 * left. For work whose results need no order: nothing waits for a slow
 * task, and no thread sits idle to hand results over. If a thread cannot
 * be started, the loops that did start do all the work. Returns 0, or the
 * first nonzero value a loop returned (the loops are told nothing: a
 * loop that fails should make the others stop claiming work). */
typedef int (*tn_par_loop)(void *arg, int worker);

int tn_par_each(int nthreads, tn_par_loop loop, void *arg);

/* Runs a(arg) and b(arg), side by side on two threads when nthreads > 1
 * (each claimed by whichever thread comes first, so a thread that cannot
 * start leaves both to the other), else a then b. For two independent
 * steps that would otherwise leave a second thread waiting. */
typedef void (*tn_par_task)(void *arg);
void tn_par_pair(int nthreads, tn_par_task a, tn_par_task b, void *arg);

#endif
