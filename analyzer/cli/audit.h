/*
 * audit.h - the input side of `layerscan audit`: where the list of image
 * references comes from, which of them this process audits (--shard), and
 * which are already done (--resume).
 *
 * References come from an enumerator: a function that appends references to
 * a list. Today there is one (a file or standard input, one reference per
 * line); walking a registry's catalog (--registry HOST) is one more function
 * of the same type. Everything after the list (sharding, resuming, the scans,
 * the output) does not care where a reference came from.
 */
#ifndef LS_CLI_AUDIT_H
#define LS_CLI_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "layerscan/error.h"

/* Bounds on an input list: beyond them the list is unusable (exit 2). */
#define AUDIT_MAX_REF_LEN 4096
#define AUDIT_MAX_REFS 10000000u

/* An ordered list of references, each owned. A reference the enumerator
 * could not expand (a repository whose tags it may not list) is kept with
 * why: it is audited as that failure, one error line, and the walk goes on. */
typedef struct {
    char **v;
    ls_error **why; /* per reference: NULL, or why it cannot be audited (owned) */
    size_t n, cap;
} audit_refs;

/* Appends a copy of ref. 0, or -1 with err (out of memory, too many). */
int audit_refs_add(audit_refs *refs, const char *ref, ls_error *err);
/* Appends a copy of ref with a copy of why (NULL: as audit_refs_add). */
int audit_refs_add_failed(audit_refs *refs, const char *ref, const ls_error *why, ls_error *err);
void audit_refs_free(audit_refs *refs);

/* An enumerator appends the references it knows to refs. Returns 0, or -1
 * with err naming the input and the problem (the list is then unusable). */
typedef int (*audit_enumerator)(void *ctx, audit_refs *refs, ls_error *err);

/* The file enumerator: ctx is a path, "-" for standard input. One reference
 * a line; surrounding blanks trimmed; blank lines and lines starting with
 * '#' skipped. A line longer than AUDIT_MAX_REF_LEN or holding a control
 * character makes the list unusable (the message names FILE:LINE). */
int audit_enum_file(void *ctx, audit_refs *refs, ls_error *err);

/* The registry enumerator (--registry HOST, audit_registry.c): ctx is an
 * audit_registry_walk. Walks /v2/_catalog and each repository's tags/list
 * (following Link pagination), keeps the repositories matching `repos` and
 * the tags matching `tags` (fnmatch globs; NULL = all), and appends
 * "docker://HOST/REPO:TAG" in catalog order, tags sorted. A registry whose
 * catalog cannot be listed makes the list unusable (err names the
 * registry); a repository whose tags cannot be listed (401, 403, a broken
 * listing) is appended as "docker://HOST/REPO" with why set. */
struct ls_registry_opts;
typedef struct {
    const char *host;
    const struct ls_registry_opts *opts;
    unsigned page_size;   /* 0 = the registry's default */
    const char *repos;    /* --repos GLOB */
    const char *tags;     /* --tags GLOB ("latest" is a glob matching itself) */
} audit_registry_walk;
int audit_enum_registry(void *ctx, audit_refs *refs, ls_error *err);

/* Drops later repetitions of a reference (the first one keeps its place).
 * Returns how many were dropped. */
size_t audit_refs_dedup(audit_refs *refs);

/* The shard a reference belongs to: FNV-1a 64 of its bytes, modulo count.
 * The same on every machine, so N processes given the same list and
 * --shard 0/N .. N-1/N audit each reference exactly once. */
unsigned audit_shard_of(const char *ref, unsigned count);

/* Parses "I/N" (0 <= I < N <= 65536). 0, or -1. */
int audit_parse_shard(const char *s, unsigned *index, unsigned *count);

/* A set of strings (owned copies). */
typedef struct {
    char **slots;
    size_t cap, n;
} audit_strset;

/* Adds s; 1 if added, 0 if already present, -1 on allocation failure. */
int audit_strset_add(audit_strset *set, const char *s);
bool audit_strset_has(const audit_strset *set, const char *s);
void audit_strset_free(audit_strset *set);

/* The key a reference is recorded under in the JSONL output (its JSON string
 * value: invalid UTF-8 bytes spelled "\xNN"), as a new string; NULL when out
 * of memory. */
char *audit_ref_key(const char *ref);

/* What a previous audit output says about each reference (--resume). The
 * last complete line naming a reference is its outcome: a report puts it in
 * `done` (skipped), an error line ({"error":{...}}: the image could not be
 * scanned at all, whatever the cause) puts it in `failed` (audited again and
 * counted as retried). A reference is in at most one of the two. */
typedef struct {
    audit_strset done;
    audit_strset failed;
} audit_resume_set;

void audit_resume_set_free(audit_resume_set *rs);

/* Parses the complete lines of buf (an audit output: the bytes up to its last
 * newline; anything after it is an unfinished line and ignored) into rs.
 * Lines that are not JSON objects with "audit":{"reference":STRING} (the
 * summary lines, garbage) are ignored. Returns 0, or -1 when out of memory. */
int audit_resume_parse(const char *buf, size_t len, audit_resume_set *rs);

/* Reads a previous audit output for --resume into rs (audit_resume_parse). A
 * last line without its newline (the process was killed while writing it) is
 * cut off the file, so appending starts on a fresh line, and its image is
 * retried unless an earlier line says otherwise. A file that does not exist
 * is an empty output. Returns 0, or -1 with err naming the file. */
int audit_resume_load(const char *path, audit_resume_set *rs, ls_error *err);

#endif
