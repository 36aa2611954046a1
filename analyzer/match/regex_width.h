/*
 * regex_width.h - an upper bound on the length of any match of a rule's
 * expression, read from the expression itself in microseconds.
 *
 * The matcher confirms a raw Hyperscan hit by running the rule's regex over
 * the bytes before the hit's end, as far back as the longest match the rule
 * can produce. Any look-back at least that long gives the same secret (a
 * match can never start earlier than its longest length allows), so a bound
 * only has to be safe, never exact; an exact one keeps confirmation short.
 * Hyperscan's hs_expression_info gives the exact width but costs about a
 * millisecond a rule, which a warm start (database from the cache, widths
 * not trusted from the file) cannot pay for every rule that hits.
 *
 * The reader knows the syntax the rules use (literals, escapes, classes,
 * groups incl. named and flag groups, alternation, quantifiers, anchors) and
 * gives up on anything else (backreferences, \Q..\E, \x{...}, \p, lookaround,
 * (?x) ...): the caller then asks Hyperscan.
 */
#ifndef LS_MATCH_REGEX_WIDTH_H
#define LS_MATCH_REGEX_WIDTH_H

#include <stdbool.h>
#include <stddef.h>

/* The longest match of `regex` (bytes; SIZE_MAX when unbounded) into *out.
 * false when the expression uses syntax this reader does not know. */
bool ls_regex_max_width(const char *regex, size_t *out);

#endif
