/*
 * matcher_impl.h - the inside of ls_matcher, shared by matcher.c (which
 * compiles it) and scanner.c (which runs it). Not a public header.
 */
#ifndef LS_MATCHER_IMPL_H
#define LS_MATCHER_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "match/matcher.h"
#include "match/pathglob.h"

/* Bytes handed to one hs_scan_stream call. Every pattern reports at most one
 * match per end offset, so one call yields at most n_rules * this many raw
 * hits: the scanner's raw hit buffer is sized from it and never overflows. */
#define LS_MATCH_SUBBLOCK 2048

/* What the scanner needs to confirm a raw hit of one rule. */
typedef struct {
    pcre2_code *re;   /* "(?:REGEX)\z", compiled (validated) with the matcher */
    pcre2_code *_Atomic confirm; /* what confirmation runs: NULL until the rule's
                                    first raw hit, then a JIT-compiled copy of re
                                    (or re itself where there is no JIT) */
    uint32_t group;   /* capture group of the secret: "secret", else 1, else 0 */
    size_t raw_width; /* longest match as Hyperscan says (SIZE_MAX: unbounded);
                         valid once width_known (see ls_matcher_rule_width) */
    atomic_bool width_known; /* raw_width computed (set once, under jit_mu) */
    ls_glob *globs;   /* path filters: n_include includes, then n_exclude excludes */
    size_t n_include, n_exclude;
    unsigned scans;   /* the rule's LS_SCANS_* (where it looks) */
} ls_match_rule;

struct ls_matcher {
    const ls_ruleset *rs;    /* borrowed */
    size_t n;                /* rule count when compiled */
    hs_database_t *db;       /* NULL when the set is empty */
    ls_match_rule *rules;    /* rules[0..n) */
    size_t max_width;        /* max of the rules' widths capped at window - 1; window - 1
                                while any width is not known yet */
    size_t window;           /* confirmation look-back in bytes (LS_MATCH_WINDOW by default) */
    uint32_t max_groups;     /* most capture groups of any rule */
    size_t *filtered;        /* indexes of the rules with path filters or a
                                narrower LS_SCANS_* set ... */
    size_t n_filtered;       /* ... (the others apply to every path) */
    ls_dbcache_state cache;  /* how the database was obtained */
    pthread_mutex_t *jit_mu; /* serialises making rules[].confirm and .raw_width */
};

/* The code confirming raw hits of `rule`, JIT-compiled on first use: most
 * rules never see a raw hit in a scan, and JIT-compiling all of them took
 * about 10 ms of every start. Thread-safe; `re` itself is never modified,
 * so scanners already matching with it are undisturbed. */
const pcre2_code *ls_matcher_confirm_code(const ls_matcher *m, size_t rule);

/* How far back confirmation of a raw hit of `rule` looks: the rule's longest
 * match computed from the rule's own expression, capped at the window - 1. A
 * compiled database gets every width at compile time (hs_expression_info); a
 * database from the cache (which holds no widths: a file is no authority on
 * them) gets each on the rule's first raw hit, read from the expression by
 * ls_regex_max_width (match/regex_width.h: microseconds; Hyperscan's
 * analysis, about a millisecond, for syntax it does not know), since most
 * rules never see one. Thread-safe. */
size_t ls_matcher_rule_width(const ls_matcher *m, size_t rule);

#endif
