/*
 * supply_chain.h - the stage after the layers and the config: what is
 * attached to the image (source/attached.h) is found once, then read by
 * two consumers: attestations (pipeline/attestations.h, scanned for
 * secrets) and signatures (pipeline/signatures.h, verified against the
 * user's keys, and gated under --require-signature).
 *
 * Finding the attached manifests may fail half-way (a registry's referrers
 * endpoint answering 500): what was found is still read, and the failure
 * is one errors entry, never the scan's failure.
 */
#ifndef LS_PIPELINE_SUPPLY_CHAIN_H
#define LS_PIPELINE_SUPPLY_CHAIN_H

#include "layerscan/report.h"
#include "layerscan/scan.h"
#include "match/matcher.h"
#include "pipeline/findings.h"
#include "source/source.h"

/* Fills r->attestations and r->signatures, appends findings and errors.
 * r->history must be mapped. 0, or -1 with err filled (out of memory, a
 * matcher failure). */
int ls_supply_chain_scan(ls_source *src, ls_report *r, ls_scanner *sc, const ls_scan_opts *opts,
                         ls_finding_list *findings, ls_error_list *errors, ls_error *err);

#endif
