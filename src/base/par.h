/* par.h - ordered parallel map: tasks run on N threads, results are
 * emitted in task order from the calling thread, with bounded buffering. */
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

#endif
