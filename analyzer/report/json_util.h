/*
 * json_util.h - pieces of the JSON report that the other JSON-based writers
 * (JSONL, SARIF) reuse, so a finding reads the same in every format.
 */
#ifndef LS_JSON_UTIL_H
#define LS_JSON_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "report/writer.h"

/* A JSON string for s (invalid UTF-8 bytes become the text "\xNN"); JSON null
 * for a NULL s; NULL when out of memory. */
json_t *ls_json_str(const char *s);

/* o[key] = v and a[] += v, v owned (NULL: its allocation failed, and it is
 * released when the set fails). Any failure, a NULL o or a, clears *ok: a
 * writer builds the whole document, then writes it only when *ok still
 * holds, so a report is never written with a member missing. */
void ls_json_put(bool *ok, json_t *o, const char *key, json_t *v);
/* "platform": the name of platforms[k] on an entry of a --platform all
 * report; adds nothing to the report of one image. */
void ls_json_put_platform(bool *ok, json_t *o, const ls_report *r, size_t k);
void ls_json_append(bool *ok, json_t *a, json_t *v);

/* Writes root to out with jansson's flags, then a newline. 0, or -1 with err:
 * LS_ERR_IO naming `what` when out failed, LS_ERR_NOMEM when jansson ran out
 * of memory while dumping (what was written is then a prefix of the
 * document). */
int ls_json_dump(const json_t *root, FILE *out, size_t flags, const char *what, ls_error *err);

/* The finding object of the JSON report contract (secret redacted unless
 * o->show_secrets). */
json_t *ls_json_finding(const ls_report *r, const ls_finding *f, const ls_write_opts *o);

/* The whole report object of the JSON contract (what `scan --format json`
 * writes), for writers that frame it differently (the audit's JSONL). NULL
 * when out of memory (never an object with a member missing); the same for
 * ls_json_finding. */
json_t *ls_report_json(const ls_report *r, const ls_write_opts *o);

#endif
