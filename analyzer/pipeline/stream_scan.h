/*
 * stream_scan.h - one stream of bytes through the matcher, with its
 * nested-archive rules: a layer file, or any block source a test hands in.
 *
 * Archives inside the stream (jar, zip, tar, tar.gz, .gz, .zst, .bz2, .xz;
 * see layer/nested.h) are opened in-stream and each member is scanned as its
 * own stream, reported as "/app/a.jar!/BOOT-INF/x.properties". The raw
 * bytes of an archive are scanned as well, but their hits are held: when
 * the archive is read to its end they are dropped (a stored member would
 * otherwise be reported twice, and compressed bytes only yield noise); when
 * it is corrupt, truncated or over a limit, they are kept (minus secrets its
 * members already reported) along with an error entry, and the scan goes on.
 *
 * It knows nothing of images or layers: findings and errors go to the lists
 * it is given, tagged with the given layer index, so a unit test drives it
 * with a buffer and a matcher. The layer driver (layer_scan.c) adds content
 * ids, links and digests around it.
 */
#ifndef LS_STREAM_SCAN_H
#define LS_STREAM_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/blocks.h"
#include "layer/nested.h"
#include "match/matcher.h"
#include "pipeline/findings.h"

typedef struct {
    ls_scanner *scanner;          /* nesting level 0 (borrowed); deeper ones share its matcher */
    const ls_ruleset *rules;
    const ls_scan_opts *opts;     /* nested limits, findings per stream; NULL: defaults */
    long layer;                   /* set on every finding and error */
    ls_finding_list *findings;    /* where findings go (borrowed) */
    ls_error_list *errors;        /* where a stream's problems go (borrowed) */
    uint64_t *bytes_scanned;      /* incremented by every byte scanned (borrowed) */
} ls_stream_scan_cfg;

typedef struct ls_stream_scan ls_stream_scan;

/* A scan context kept for many streams (one layer): the scanners of the
 * nesting levels are made on first use and kept. NULL when out of memory. */
ls_stream_scan *ls_stream_scan_new(const ls_stream_scan_cfg *cfg);

/* Scans the stream src (from its first byte) reported at `path`. Returns 0;
 * -1 with err filled when src failed (the findings read so far stay, a
 * nested archive's held hits included) or on a matcher or allocation
 * failure (LS_ERR_NOMEM / LS_ERR_INTERNAL: the scan is unreliable). A
 * finding or error that could not be recorded, in this stream or an earlier
 * one of the layer, makes it return -1 with LS_ERR_NOMEM. */
int ls_stream_scan_run(ls_stream_scan *s, const char *path, ls_blocks *src, ls_error *err);

/* Frees s and the scanners it made (not the borrowed ones). Accepts NULL. */
void ls_stream_scan_free(ls_stream_scan *s);

#endif
