/*
 * html_summary.h - one HTML page over an audit's JSONL (`layerscan audit
 * ... --html-summary FILE`): the images by findings, the layers shared by
 * several images with their findings, and the errors.
 *
 * The page is built from the JSONL the audit wrote, read back after the run,
 * so the images a --resume kept from an earlier run are on it too. For a
 * reference named by several lines (an image retried by --resume) the last
 * line is its outcome, as --resume itself decides.
 */
#ifndef LS_REPORT_HTML_SUMMARY_H
#define LS_REPORT_HTML_SUMMARY_H

#include <stdio.h>

#include "layerscan/error.h"

/* The longest JSONL line read (an image report on one line). */
#define LS_HTML_SUMMARY_MAX_LINE (256u << 20)

/* Reads the audit output jsonl one line at a time (jsonl_label names it in
 * messages and on the page) and writes the page to out. Blank lines are
 * skipped, summary lines are not images. Returns 0, or -1 with err:
 * LS_ERR_LIMIT "LABEL:LINE: line longer than 256 MiB", LS_ERR_FORMAT
 * "LABEL:LINE: not JSON ..." or a line that is no line of an audit,
 * LS_ERR_IO when jsonl cannot be read, LS_ERR_NOMEM. Nothing is written to
 * out before the whole input is read; a failure writing out is the
 * caller's to notice (ferror, fclose). */
int ls_audit_html_summary(FILE *jsonl, const char *jsonl_label, FILE *out, ls_error *err);

#endif
