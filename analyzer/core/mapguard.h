/*
 * mapguard.h - reading a file mapping without dying when the file shrinks.
 *
 * A mapped page past the end of a file that was cut short (or whose storage
 * failed) raises SIGBUS where pread would return an error. Every access to
 * a mapped input runs through ls_mapguard_run: a per-thread stack of armed
 * ranges and a SIGBUS handler that, for a fault inside an armed range,
 * jumps back (siglongjmp) to the ls_mapguard_run that armed it, which
 * returns LS_MAPGUARD_FAULT; the caller turns that into an I/O error ("input
 * file shrank while being read") and the layer gets an `errors` entry. A
 * SIGBUS anywhere else gets the action that was there before (by default
 * the process dies, as it would without us). The same scheme as git's and
 * LMDB's guarded mappings.
 *
 * The handler is process state, so the library never installs it behind
 * its caller's back: the program calls ls_mapguard_init once, before any
 * thread starts (cli/main.c does; tests do). Until it has, inputs are not
 * mapped at all (ls_reader_map returns NULL and they are read instead).
 */
#ifndef LS_CORE_MAPGUARD_H
#define LS_CORE_MAPGUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "layerscan/error.h"

/* What ls_mapguard_run returns when the work touched a page it could not
 * read. */
#define LS_MAPGUARD_FAULT (-1000)

/* Installs the SIGBUS handler (sigaction, SA_SIGINFO; the previous action
 * is kept for faults outside armed ranges). Once per process, before any
 * thread starts; later calls do nothing. Returns 0, or -1 with err filled. */
int ls_mapguard_init(ls_error *err);

/* Whether ls_mapguard_init succeeded: mapped inputs are safe to read. */
bool ls_mapguard_ready(void);

/* Runs fn(arg) with [base, base+len) armed on this thread. Returns fn's
 * result, or LS_MAPGUARD_FAULT if fn touched a page of that range that
 * raised SIGBUS (fn was abandoned mid-way: whatever it was changing is in
 * an undefined state and must only be freed). Calls nest. */
int ls_mapguard_run(const void *base, size_t len, int (*fn)(void *arg), void *arg);

#endif
