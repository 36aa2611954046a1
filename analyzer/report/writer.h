/*
 * writer.h - report writers, one per output format, behind one signature,
 * and the redaction every writer applies unless secrets were asked for.
 */
#ifndef LS_WRITER_H
#define LS_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "layerscan/error.h"
#include "layerscan/report.h"

typedef struct {
    bool show_secrets;   /* print secrets whole (--show-secrets) */
    bool color;          /* text: ANSI colors (a tty without NO_COLOR) */
} ls_write_opts;

typedef int (*ls_report_writer)(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err);

int ls_report_write_json(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err);
int ls_report_write_jsonl(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err);
int ls_report_write_sarif(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err);
/* The layer inventory (`layerscan layers`): one line per layer. */
int ls_report_write_layers(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err);
/* The history as a Dockerfile annotated with findings (`layerscan history`). */
int ls_report_write_history(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err);
int ls_report_write_text(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err);
int ls_report_write_html(const ls_report *r, FILE *out, const ls_write_opts *o, ls_error *err);

/* The cleaned instruction of the history entry that owns layer, or NULL
 * (facts.c, for the writers for people). */
const char *ls_report_layer_instruction(const ls_report *r, long layer);

/* n bytes as "512 B", "2.0 KiB", "3.4 MiB" into buf. */
void ls_report_human_size(uint64_t n, char *buf, size_t cap);

/* Findings of this origin in findings[] and suppressed[] together, in one
 * layer (or all: layer < 0). */
size_t ls_report_count_origin(const ls_report *r, ls_origin origin, long layer);

/* The SARIF location URI of a finding: "layer/1/root/.ssh/id_rsa",
 * "config/Env", "history/6" (percent-encoded). NULL when out of memory. */
char *ls_sarif_uri(const ls_finding *f);

/* "AKIA…MPLE": a new string showing a few characters of each end of the
 * secret, fewer for short secrets, none for very short ones. */
char *ls_redact_secret(const char *secret);

/* A copy of text with every secret of the report's findings that occurs in it
 * replaced by its redacted form (instructions and created_by strings carry
 * build args and ENV values). Returns a copy unchanged when show is true. */
char *ls_redact_text(const ls_report *r, const char *text, bool show);

/* A finding's `secret` as the outputs show it: whole with show; else a
 * secret redacted (ls_redact_secret), and the evidence of a tamper or
 * hygiene finding whole but for the secrets in it (ls_redact_text).
 * NULL for a NULL secret or out of memory. */
char *ls_redact_evidence(const ls_report *r, const ls_finding *f, bool show);

#endif
