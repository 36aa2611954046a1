/*
 * attestations.h - the in-toto statements attached to the image, scanned
 * for secrets like the config is.
 *
 * An attestation manifest (BuildKit's, found through the index or as a
 * referrer; cosign's .att) has one statement per layer: in-toto JSON, or a
 * DSSE envelope holding it. Each string of a statement is scanned with the
 * rules that scan config metadata, as "NAME=value" when a member holds it
 * (so rules that need the variable's name see it) and as the value alone
 * in an array. A finding has source attestation, path
 * "attestation[<predicateType>]<JSON pointer>", layer -1, status
 * metadata, and the history entry whose build arguments carry the secret
 * (the last one), else -1. offset, line and column place the secret in
 * the string's value (in its member name, should a match start there).
 *
 * A statement that cannot be read (missing blob, digest mismatch, past
 * --max-json-size, not JSON) is one errors entry; the others are still
 * scanned. An image may attach anything, so what is read is bounded: at
 * most LS_ATTESTATION_MAX_STATEMENTS statements an image (each within
 * --max-json-size) and LS_ATTESTATION_MAX_STRINGS strings a statement;
 * past either, one errors entry says what was left.
 */
#ifndef LS_PIPELINE_ATTESTATIONS_H
#define LS_PIPELINE_ATTESTATIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "layerscan/image.h"
#include "layerscan/report.h"
#include "match/matcher.h"
#include "pipeline/findings.h"
#include "pipeline/signatures.h"
#include "source/attached.h"

#define LS_ATTESTATION_MAX_STATEMENTS 256u
#define LS_ATTESTATION_MAX_STRINGS 1000000u

typedef struct {
    const ls_image *img;
    const ls_history_report *hist;  /* parallel to img->history */
    const ls_ruleset *rules;
    ls_scanner *scanner;
    ls_blob_fetch fetch;            /* reads a statement blob (verified) */
    void *fetch_ctx;
    bool debug;                     /* suppressed candidates traced to stderr */
    unsigned max_statements;        /* 0 = LS_ATTESTATION_MAX_STATEMENTS (tests set less) */
    unsigned max_strings;           /* 0 = LS_ATTESTATION_MAX_STRINGS */
} ls_attest_scan;

/* Scans the statements of every attestation manifest of att: findings into
 * out, problems into errors, one report entry per statement into a new
 * array *reps of *n; *bytes grows by the bytes scanned. 0, or -1 with err
 * filled (out of memory, a matcher failure). */
int ls_attestations_scan(const ls_attest_scan *a, const ls_attached_list *att, ls_finding_list *out,
                         ls_error_list *errors, ls_attestation_report **reps, size_t *n,
                         uint64_t *bytes, ls_error *err);

/* Frees the n entries and the array. Accepts NULL. */
void ls_attestation_reports_free(ls_attestation_report *v, size_t n);

#endif
