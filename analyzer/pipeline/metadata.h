/*
 * metadata.h - scanning what the config carries besides layers: every
 * history created_by, config.Env, config.Labels, config.Cmd and
 * config.Entrypoint, with the same rules as file contents.
 *
 * Each config field is scanned as one text, one element per line ("KEY=value"
 * for Env, "key=value" sorted by key for Labels, one argv element per line
 * for Cmd and Entrypoint), so a finding's line number names the element.
 */
#ifndef LS_METADATA_H
#define LS_METADATA_H

#include "layerscan/image.h"
#include "layerscan/report.h"
#include "match/matcher.h"
#include "pipeline/findings.h"

/* Appends metadata findings to out (status metadata, attribution set).
 * *bytes grows by the bytes scanned; debug traces suppressed candidates to
 * stderr. Returns 0 or -1 with err filled. */
int ls_metadata_scan(const ls_image *img, const ls_history_report *hist, const ls_ruleset *rules,
                     ls_scanner *sc, ls_finding_list *out, uint64_t *bytes, bool debug, ls_error *err);

#endif
