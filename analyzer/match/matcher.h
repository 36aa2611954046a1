/*
 * matcher.h - Hyperscan over a rule set, streaming, with confirmation.
 *
 * One immutable ls_matcher (the compiled Hyperscan database plus one PCRE2
 * confirmation regex per rule) is shared by every thread; each thread owns an
 * ls_scanner (Hyperscan scratch, one reusable stream, the look-back window).
 *
 * Hyperscan runs without HS_FLAG_SOM_LEFTMOST (faster, compiles more rules):
 * it only tells us a rule matched ending at byte `to`. The scanner keeps the
 * last LS_MATCH_WINDOW bytes of the stream and, for each raw hit, runs the
 * rule's PCRE2 regex anchored to end at `to` over that window to recover the
 * match start and the secret's capture group. Greedy rules report several
 * ends for one secret; hits of one rule sharing a secret start collapse to
 * the longest.
 */
#ifndef LS_MATCHER_H
#define LS_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "layerscan/error.h"
#include "layerscan/matcher.h" /* ls_matcher, ls_matcher_new, ls_matcher_free */
#include "layerscan/rules.h"

/* Longest match (prefix context + secret) that can be confirmed. */
#define LS_MATCH_WINDOW 8192
#define LS_MATCH_WINDOW_MIN 256u
#define LS_MATCH_WINDOW_MAX (16u << 20)

typedef struct ls_scanner ls_scanner;

typedef struct {
    size_t rule;            /* index into the rule set */
    const char *secret;     /* the extracted secret; valid only during the callback */
    size_t secret_len;
    uint64_t offset;        /* byte offset of the secret's first byte in the stream */
    uint64_t line;          /* 1-based line of that byte */
    uint64_t column;        /* 1-based column (bytes since the last '\n', plus 1) */
} ls_hit;

/* Called once per confirmed, de-duplicated hit, in increasing offset order
 * within one stream. Return 0 to go on, nonzero to stop scanning this stream. */
typedef int (*ls_hit_cb)(void *ud, const ls_hit *hit);

/* How ls_matcher_new_cached obtained the Hyperscan database. */
typedef enum {
    LS_DBCACHE_OFF = 0, /* no cache asked for (or no rules, or no platform info) */
    LS_DBCACHE_MISS,    /* compiled, and the cache entry (re)written if possible */
    LS_DBCACHE_HIT      /* loaded from the cache */
} ls_dbcache_state;

/* Same, loading the compiled database from cache_dir when an entry for this
 * rule set, Hyperscan version and CPU exists, else compiling and (best
 * effort, never an error) writing one; cache_dir NULL or "" = no cache. A
 * missing, corrupt or mismatched entry just means compiling. */
int ls_matcher_new_cached(ls_matcher **out, const ls_ruleset *rs, const char *cache_dir, ls_error *err);
ls_dbcache_state ls_matcher_cache_state(const ls_matcher *m);

const ls_ruleset *ls_matcher_rules(const ls_matcher *m);

/* The confirmation window (--match-window): how far back from a raw hit
 * PCRE2 looks for the start of the match, which is also the longest secret
 * that can be reported (LS_MATCH_WINDOW by default). Set it before creating
 * scanners. -1 with err (LS_ERR_USAGE) outside [LS_MATCH_WINDOW_MIN,
 * LS_MATCH_WINDOW_MAX]. */
int ls_matcher_set_window(ls_matcher *m, size_t window, ls_error *err);
size_t ls_matcher_window(const ls_matcher *m);

/* Per-thread state. NULL with err filled on failure. */
ls_scanner *ls_scanner_new(const ls_matcher *m, ls_error *err);
void ls_scanner_free(ls_scanner *s);

/* The matcher s scans with (to make more scanners for nested streams). */
const ls_matcher *ls_scanner_matcher(const ls_scanner *s);

/* Stream API: begin, feed any number of blocks (any sizes, a secret may span
 * blocks), end. `path` is a file's path, used for the rules' path include /
 * exclude filters, and only rules that scan files (LS_SCANS_FILES) run; NULL
 * (a stream of unknown kind: the rule self-test, tests) runs every rule with
 * no path filter. Hits are delivered through cb during feed and end.
 * Returns 0 or -1 with err filled. Never allocates per block. */
int ls_scanner_begin(ls_scanner *s, const char *path, ls_hit_cb cb, void *ud, ls_error *err);
int ls_scanner_feed(ls_scanner *s, const void *data, size_t len, ls_error *err);
int ls_scanner_end(ls_scanner *s, ls_error *err);

/* Image metadata in one buffer: `in` is LS_SCANS_HISTORY or LS_SCANS_CONFIG,
 * and only the rules that scan it run (no path filter applies). */
int ls_scanner_scan_metadata(ls_scanner *s, unsigned in, const void *data, size_t len,
                             ls_hit_cb cb, void *ud, ls_error *err);

/* Convenience: begin + one feed + end over a buffer. */
int ls_scanner_scan(ls_scanner *s, const char *path, const void *data, size_t len,
                    ls_hit_cb cb, void *ud, ls_error *err);

#endif
