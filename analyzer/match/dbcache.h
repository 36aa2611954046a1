/*
 * dbcache.h - the compiled Hyperscan database cached on disk, so start-up
 * loads it in milliseconds instead of compiling every rule again.
 *
 * One file per key in the cache directory ($LAYERSCAN_CACHE_DIR, else
 * $XDG_CACHE_HOME/layerscan, else ~/.cache/layerscan). The key covers
 * everything the compiled bytes depend on: the rule set's content hash,
 * hs_version(), the host platform Hyperscan compiles for (tuning and CPU
 * features), the mode and flags, and this file format's version. A file holds
 * the serialized database, each rule's longest match width (so loading skips
 * hs_expression_info too) and a checksum over both. The cache is only ever an
 * optimisation: any problem reading or writing it means "compile".
 */
#ifndef LS_MATCH_DBCACHE_H
#define LS_MATCH_DBCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <hs/hs.h>

#include "layerscan/rules.h"

/* "<64 hex>" + NUL */
#define LS_DBCACHE_KEY_MAX 65

/* Where the cache lives, from the environment (see above), written to out.
 * Returns false when no directory can be named (no HOME) or it does not fit. */
bool ls_dbcache_default_dir(char *out, size_t n);

/* The cache key of compiling rs in `mode` with `flags` on this host. Returns
 * false if the platform cannot be queried (then there is no cache). */
bool ls_dbcache_key(const ls_ruleset *rs, unsigned mode, unsigned flags,
                    char key[LS_DBCACHE_KEY_MAX]);

/* Loads the entry for key: the database (caller frees with hs_free_database)
 * and widths[0..n) (caller-provided). Returns NULL when there is no entry, it
 * is truncated or corrupt, was written for another rule count, or Hyperscan
 * refuses it (another version or platform). */
hs_database_t *ls_dbcache_load(const char *dir, const char *key, size_t *widths, size_t n);

/* Writes the entry for key atomically (a temporary file renamed over it),
 * creating dir if needed. Returns 0, or -1 if it could not be written
 * (never fatal: the caller just goes on without a cache). */
int ls_dbcache_store(const char *dir, const char *key, const hs_database_t *db,
                     const size_t *widths, size_t n);

/* The path of the entry for key, into out; false if it does not fit. */
bool ls_dbcache_path(const char *dir, const char *key, char *out, size_t n);

#endif
