/*
 * platforms.h - every platform of a multi-platform index into one report
 * (--platform all, ls_scan_opts.platform = "all").
 *
 * The index's images are listed as the normal selection sees them
 * (attestations dropped), each is scanned with ls_scan_image as if its
 * platform had been named, and the reports are merged into one: layers[]
 * and history[] concatenated in index order with every index into them
 * renumbered, each entry carrying its platform (report.h:
 * ls_platform_report). The scans share a layer result cache (the caller's,
 * else a private one for the run), so a layer shared by several platforms
 * is read once; report->layers_read and layers_reused say so.
 */
#ifndef LS_PIPELINE_PLATFORMS_H
#define LS_PIPELINE_PLATFORMS_H

#include "layerscan/scan.h"

/* ls_scan_image for opts->platform "all": same contract. A reference
 * without an index (a docker-archive, a lone layer, a registry tag naming
 * one manifest) gives the report of that one image with one platform. A
 * stream is read once: it gives one image (several platforms in it are
 * refused, naming the way out). */
int ls_scan_platforms(const char *ref, const ls_matcher *m, const ls_scan_opts *opts,
                      ls_report **out, ls_error *err);

/* ls_scan_image without the dispatch on "all" (image_scan.c): the scan of
 * one image. With platform "all" only a stream gets here: read once, it
 * gives the one image it holds and refuses several. */
int ls_scan_one_image(const char *ref, const ls_matcher *m, const ls_scan_opts *opts,
                      ls_report **out, ls_error *err);

#endif
