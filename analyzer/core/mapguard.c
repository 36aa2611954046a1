/*
 * mapguard.c - see mapguard.h.
 *
 * Each ls_mapguard_run pushes a frame (the range and a sigjmp_buf) on a
 * thread-local stack. The handler walks the faulting thread's stack for a
 * frame whose range holds si_addr, pops down to it and siglongjmps there.
 * sigsetjmp does not save the signal mask (no system call per access) and
 * the handler runs with SA_NODEFER, so SIGBUS is not left blocked after the
 * jump. Only async-signal-safe work happens in the handler.
 */
#include "core/mapguard.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

typedef struct guard_frame {
    sigjmp_buf jb;
    uintptr_t lo, hi;          /* the armed range [lo, hi) */
    struct guard_frame *prev;  /* the frame armed before this one (this thread's) */
} guard_frame;

static _Thread_local guard_frame *tls_top;
static struct sigaction old_action; /* written once by init, before any thread */
static volatile sig_atomic_t installed;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    uintptr_t at = (uintptr_t)si->si_addr;
    for (guard_frame *g = tls_top; g; g = g->prev) {
        if (si->si_code > 0 && at >= g->lo && at < g->hi) {
            tls_top = g->prev;
            siglongjmp(g->jb, 1);
        }
    }
    /* not ours: the previous action, as if we were not here */
    if (old_action.sa_flags & SA_SIGINFO) {
        if (old_action.sa_sigaction) {
            old_action.sa_sigaction(sig, si, uc);
            return;
        }
    } else if (old_action.sa_handler != SIG_DFL && old_action.sa_handler != SIG_IGN) {
        old_action.sa_handler(sig);
        return;
    }
    sigaction(SIGBUS, &old_action, NULL);
    if (si->si_code <= 0) /* sent by kill/raise: send it again */
        raise(SIGBUS);
    /* a fault: returning re-runs the access, under the previous action */
}

int ls_mapguard_init(ls_error *err)
{
    struct sigaction sa;
    if (installed)
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &old_action) != 0)
        return ls_error_set(err, LS_ERR_INTERNAL, "cannot install the SIGBUS handler");
    installed = 1;
    return 0;
}

bool ls_mapguard_ready(void)
{
    return installed != 0;
}

int ls_mapguard_run(const void *base, size_t len, int (*fn)(void *arg), void *arg)
{
    guard_frame g;
    int rc;
    g.lo = (uintptr_t)base;
    g.hi = (uintptr_t)base + len;
    g.prev = tls_top;
    if (sigsetjmp(g.jb, 0) != 0) {
        /* the handler popped g. SA_NODEFER kept SIGBUS unblocked, unless a
         * runtime between the kernel and our handler (ThreadSanitizer's)
         * blocked it: unblock it here, on the fault path only */
        sigset_t bus;
        sigemptyset(&bus);
        sigaddset(&bus, SIGBUS);
        pthread_sigmask(SIG_UNBLOCK, &bus, NULL);
        return LS_MAPGUARD_FAULT;
    }
    tls_top = &g;
    rc = fn(arg);
    tls_top = g.prev;
    return rc;
}
