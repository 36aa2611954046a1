/*
 * json_util.h - pieces of the JSON report that the other JSON-based writers
 * (JSONL, SARIF) reuse, so a finding reads the same in every format.
 */
#ifndef LS_JSON_UTIL_H
#define LS_JSON_UTIL_H

#include <jansson.h>

#include "report/writer.h"

/* A JSON string for s (invalid UTF-8 bytes become the text "\xNN"); JSON null
 * for a NULL s; NULL when out of memory. */
json_t *ls_json_str(const char *s);

/* The finding object of the JSON report contract (secret redacted unless
 * o->show_secrets). */
json_t *ls_json_finding(const ls_report *r, const ls_finding *f, const ls_write_opts *o);

/* The whole report object of the JSON contract (what `scan --format json`
 * writes), for writers that frame it differently (the audit's JSONL). NULL
 * when out of memory (never an object with a member missing); the same for
 * ls_json_finding. */
json_t *ls_report_json(const ls_report *r, const ls_write_opts *o);

#endif
