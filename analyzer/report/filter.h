/*
 * filter.h - moving findings out of a report's findings[] into its
 * suppressed[] list (baselines, the config file's allowlists,
 * --min-confidence). A suppressed finding is still counted and listed and its
 * secret still redacted everywhere: suppression hides nothing silently.
 */
#ifndef LS_FILTER_H
#define LS_FILTER_H

#include "layerscan/error.h"
#include "layerscan/report.h"

/* Returns the static reason to suppress f, or NULL to keep it. */
typedef const char *(*ls_finding_pred)(const ls_report *r, const ls_finding *f, void *ctx);

/* Moves every finding for which pred returns a reason to r->suppressed, in
 * order. Returns 0, or -1 with err filled when memory runs out (the report is
 * then unchanged). */
int ls_report_suppress(ls_report *r, ls_finding_pred pred, void *ctx, ls_error *err);

#endif
