/*
 * matcher.h - the compiled rule set a scan runs with: built once from an
 * ls_ruleset, immutable, shared by every scan and thread.
 *
 * Only the handle is public; how it matches (Hyperscan, confirmation with
 * PCRE2, the per-thread scanners) is analyzer/match's.
 */
#ifndef LAYERSCAN_MATCHER_H
#define LAYERSCAN_MATCHER_H

#include "layerscan/error.h"
#include "layerscan/rules.h"

typedef struct ls_matcher ls_matcher;

/* Compiles the rule set (borrowed: must outlive the matcher). Returns -1 with
 * err naming the rule whose regex does not compile (in Hyperscan or PCRE2). */
int ls_matcher_new(ls_matcher **out, const ls_ruleset *rs, ls_error *err);

/* Frees m. Accepts NULL. */
void ls_matcher_free(ls_matcher *m);

#endif
