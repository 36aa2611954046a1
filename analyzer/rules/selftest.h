/*
 * selftest.h - every rule proves itself: its examples must produce exactly
 * the declared secret through the real engine (whole, and split into two
 * blocks at every byte), and its negatives must produce nothing.
 * This is what `layerscan rules test` and the unit test run.
 */
#ifndef LS_RULES_SELFTEST_H
#define LS_RULES_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "layerscan/error.h"
#include "match/matcher.h"

/* Examples up to this size are also fed split at every byte boundary. */
#define LS_SELFTEST_SPLIT_MAX 300

/* Tests every rule of m's rule set. Writes "ok   RULE-ID" (only if verbose)
 * and "FAIL RULE-ID: reason" lines to out (which may be NULL). Returns the
 * number of failing rules, or (size_t)-1 with err filled when the engine
 * itself fails. */
size_t ls_rules_selftest(const ls_matcher *m, FILE *out, bool verbose, ls_error *err);

#endif
