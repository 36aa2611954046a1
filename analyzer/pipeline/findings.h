/*
 * findings.h - growable lists of findings and errors, and turning a matcher
 * hit into a finding (secret copied, fingerprint computed).
 */
#ifndef LS_FINDINGS_H
#define LS_FINDINGS_H

#include "layerscan/report.h"
#include "match/matcher.h"
#include "pipeline/fsmodel.h"

typedef struct {
    ls_finding *items;
    ls_content_id *content;   /* parallel: content of the file the finding is in */
    size_t n, cap;
} ls_finding_list;

typedef struct {
    ls_report_error *items;
    size_t n, cap;
} ls_error_list;

/* Appends a finding for hit (path copied, secret copied, fingerprint set);
 * layer/history/source/status are set by the caller on the returned item.
 * NULL on allocation failure. */
ls_finding *ls_finding_list_add(ls_finding_list *l, const ls_ruleset *rs, const ls_hit *hit,
                                const char *path, ls_content_id content);

/* Whether hit is a known non-secret (analyzer/detect): a documented example,
 * a placeholder, a lookup, a digest... Callers drop such hits instead of
 * adding them; with LAYERSCAN_DEBUG set the reason goes to stderr. Only
 * secret rules are judged so: a tamper or hygiene finding never is. */
bool ls_finding_suppressed(const ls_ruleset *rs, const ls_hit *hit, const char *path, bool debug);

/* A specific rule and a general one on a secret starting at the same byte
 * (detect.h's ls_detect_supersedes): keep the specific. Compares hit with
 * the findings of l from index `first` (one stream's) at hit's offset:
 * returns true when one of them supersedes hit (drop hit); removes the one
 * hit supersedes, if any, and returns false. Hits arrive in offset order, so
 * only the tail can share the offset: the walk back from the end keeps a
 * stream with a million hits linear. */
bool ls_finding_list_supersede(ls_finding_list *l, size_t first, const ls_ruleset *rs, const ls_hit *hit);

/* Appends a deep copy of f with another path (hard links). NULL on failure. */
ls_finding *ls_finding_list_copy(ls_finding_list *l, const ls_finding *f, const char *path,
                                 ls_content_id content);

/* Moves every item of src to the end of dst (src is left empty). 0 or -1. */
int ls_finding_list_take(ls_finding_list *dst, ls_finding_list *src);

void ls_finding_list_free(ls_finding_list *l);
void ls_finding_free_fields(ls_finding *f);

/* Appends an error (path may be NULL; message formatted). 0 or -1. */
int ls_error_list_add(ls_error_list *l, long layer, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
int ls_error_list_take(ls_error_list *dst, ls_error_list *src);
void ls_error_list_free(ls_error_list *l);

/* hex of the first 16 bytes of SHA-256(rule_id "\0" secret). 0, or -1 when
 * OpenSSL is out of memory (out is then ""). */
int ls_fingerprint(const char *rule_id, const char *secret, size_t len, char out[33]);

#endif
