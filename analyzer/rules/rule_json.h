/*
 * rule_json.h - one rule object of a patterns/NAME.json file into an ls_rule.
 *
 * Kept apart from the rule set (rules.c) so that json_t never leaks past the
 * loader and so the strict validation (unknown keys, types, required fields)
 * lives in one place that tests can reach through ls_ruleset_load.
 */
#ifndef LS_RULE_JSON_H
#define LS_RULE_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "layerscan/error.h"
#include "layerscan/rules.h"

/* Fills *out (which must be zeroed) from obj, the index-th element of the
 * array in file origin. Returns 0, or -1 with err naming origin, the rule
 * (its id, or "#index" when the id itself is bad) and the problem; *out is
 * then left cleared. */
int ls_rule_parse(ls_rule *out, const json_t *obj, const char *origin, size_t index,
                  ls_error *err);

/* Frees every field of r and zeroes it. Accepts a zeroed rule. */
void ls_rule_clear(ls_rule *r);

#endif
