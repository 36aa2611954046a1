/*
 * parallel.c - the parallel for-loop of parallel.h: pthreads plus one atomic
 * item counter and one atomic stop flag, all on the caller's stack. No pool
 * outlives a call: layers are few and large, so thread start-up (~50 us) is
 * noise next to a layer, and nothing is left running on early exit.
 */
#include "pipeline/parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
    ls_parallel_fn fn;
    void *ctx;
    size_t n;
    atomic_size_t next;  /* next item to hand out */
    atomic_bool stop;    /* an item asked to stop */
} par_shared;

typedef struct {
    par_shared *sh;
    unsigned worker;
} par_worker;

static void par_loop(par_shared *sh, unsigned worker)
{
    while (!atomic_load(&sh->stop)) {
        size_t i = atomic_fetch_add(&sh->next, 1);
        if (i >= sh->n)
            return;
        if (sh->fn(sh->ctx, worker, i) != 0)
            atomic_store(&sh->stop, true);
    }
}

static void *par_thread(void *arg)
{
    par_worker *w = arg;
    par_loop(w->sh, w->worker);
    return NULL;
}

void ls_parallel_for(size_t n, unsigned workers, ls_parallel_fn fn, void *ctx)
{
    par_shared sh = {.fn = fn, .ctx = ctx, .n = n};
    pthread_t *tids = NULL;
    par_worker *ws = NULL;
    unsigned started = 0;
    atomic_init(&sh.next, 0);
    atomic_init(&sh.stop, false);
    if (workers < 1)
        workers = 1;
    if (workers > n)
        workers = n > 0 ? (unsigned)n : 1;
    if (workers > 1) {
        tids = calloc(workers - 1, sizeof *tids);
        ws = calloc(workers - 1, sizeof *ws);
        if (tids && ws)
            for (unsigned k = 0; k + 1 < workers; k++) {
                ws[k] = (par_worker){.sh = &sh, .worker = k + 1};
                if (pthread_create(&tids[k], NULL, par_thread, &ws[k]) != 0)
                    break; /* fewer workers: the others share the items */
                started++;
            }
    }
    par_loop(&sh, 0);
    for (unsigned k = 0; k < started; k++)
        pthread_join(tids[k], NULL);
    free(tids);
    free(ws);
}

unsigned ls_parallel_cores(void)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c < 1 ? 1u : c > 256 ? 256u : (unsigned)c;
}
