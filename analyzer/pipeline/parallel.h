/*
 * parallel.h - a minimal parallel for-loop over independent items (layers).
 *
 * The calling thread is worker 0 and `workers - 1` threads are started for
 * the duration of one call: items are handed out in increasing index order
 * from one atomic counter, so each worker owns whatever per-worker state the
 * caller indexes by `worker` (one ls_scanner each) and results go into slots
 * indexed by item, keeping output independent of scheduling.
 */
#ifndef LS_PIPELINE_PARALLEL_H
#define LS_PIPELINE_PARALLEL_H

#include <stddef.h>

/* Runs one item; nonzero stops handing out further items (items already
 * running finish). */
typedef int (*ls_parallel_fn)(void *ctx, unsigned worker, size_t item);

/* Runs fn over items 0..n-1 on up to `workers` threads (at least 1, never
 * more than n). If a thread cannot be started, fewer workers do the work.
 * Returns once every started item has finished. */
void ls_parallel_for(size_t n, unsigned workers, ls_parallel_fn fn, void *ctx);

/* The number of online CPUs (at least 1). */
unsigned ls_parallel_cores(void);

#endif
