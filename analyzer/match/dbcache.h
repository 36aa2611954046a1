/*
 * dbcache.h - the compiled Hyperscan database cached on disk, so start-up
 * loads it in milliseconds instead of compiling every rule again.
 *
 * One file per key in the cache directory the caller names (the program's
 * default: $LAYERSCAN_CACHE_DIR, else $XDG_CACHE_HOME/layerscan, else
 * ~/.cache/layerscan, ls_dbcache_dir_from). The key covers
 * everything the compiled bytes depend on: the rule set's content hash,
 * hs_version(), the host platform Hyperscan compiles for (tuning and CPU
 * features), the mode and flags, and this file format's version. A file holds
 * the serialized database and a checksum. The cache is only ever an
 * optimisation: any problem reading or writing it means "compile". Nothing in
 * it is trusted on its word: the directory must be ours (core/trustdir.h: else
 * it is neither read nor written), and a loaded database must report every
 * example of every rule (ls_dbcache_verify) before it is used.
 */
#ifndef LS_MATCH_DBCACHE_H
#define LS_MATCH_DBCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <hs/hs.h>

#include "layerscan/rules.h"

/* "<64 hex>" + NUL */
#define LS_DBCACHE_KEY_MAX 65

/* Where the cache lives (see above), written to out: cache_dir
 * (LAYERSCAN_CACHE_DIR) when set, else xdg_cache_home/layerscan when
 * absolute, else home/.cache/layerscan; NULL or "" = unset. Returns false
 * when no directory can be named (no home) or it does not fit. */
bool ls_dbcache_dir_from(const char *cache_dir, const char *xdg_cache_home, const char *home,
                         char *out, size_t n);

/* ls_dbcache_dir_from over the process environment. Defined by the program
 * (analyzer/cli/env.c), not the library: only it reads the environment. */
bool ls_dbcache_default_dir(char *out, size_t n);

/* The cache key of compiling rs in `mode` with `flags` on this host. Returns
 * false if the platform cannot be queried (then there is no cache). */
bool ls_dbcache_key(const ls_ruleset *rs, unsigned mode, unsigned flags,
                    char key[LS_DBCACHE_KEY_MAX]);

/* Loads the entry for key from the trusted directory dir: the database
 * (caller frees with hs_free_database), or NULL when dir is not trusted, there
 * is no entry, it is refused (not ours, see trustdir.h), truncated or
 * corrupt, made for another rule count, Hyperscan refuses it (another version
 * or platform), or it fails ls_dbcache_verify against rs. */
hs_database_t *ls_dbcache_load(const char *dir, const char *key, const ls_ruleset *rs);

/* The bytes of an entry (ls_dbcache_load without the file): the database, or
 * NULL as above. Never trusts buf: the fuzzed entry point. */
hs_database_t *ls_dbcache_decode(const unsigned char *buf, size_t len, const ls_ruleset *rs);

/* Whether db reports rule i on each of rule i's examples (every rule, every
 * example, one stream each). A database that does not is not the one these
 * rules compile to. */
bool ls_dbcache_verify(const hs_database_t *db, const ls_ruleset *rs);

/* The bytes of an entry for db compiled from n rules: a malloc'd *out. 0 or -1. */
int ls_dbcache_encode(const hs_database_t *db, size_t n, unsigned char **out, size_t *len);

/* Writes the entry for key atomically (a new file renamed over it), creating
 * dir (0700) if needed; nothing is written unless dir is trusted. Returns 0,
 * or -1 if it could not be written (never fatal: the caller just goes on
 * without a cache). */
int ls_dbcache_store(const char *dir, const char *key, const hs_database_t *db, size_t n);

/* The path of the entry for key, into out; false if it does not fit. */
bool ls_dbcache_path(const char *dir, const char *key, char *out, size_t n);

#endif
