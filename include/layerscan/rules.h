/*
 * rules.h - the rule library: what a secret looks like and how sure we are.
 *
 * Rules live in patterns/NAME.json (one JSON array of rule objects per file, see
 * patterns/README.md). Every rule carries examples that must match, with the
 * secret the engine must extract, and negative examples that must not:
 * `layerscan rules test` runs them through the real engine.
 */
#ifndef LAYERSCAN_RULES_H
#define LAYERSCAN_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "layerscan/error.h"

typedef enum { LS_SEV_LOW = 0, LS_SEV_MEDIUM, LS_SEV_HIGH, LS_SEV_CRITICAL } ls_severity;
typedef enum { LS_CONF_LOW = 0, LS_CONF_MEDIUM, LS_CONF_HIGH } ls_confidence;

/* What a rule finds: a secret (credentials, keys), tamper evidence (what a
 * builder planted: backdoors, persistence, download-and-run), or hygiene (a
 * weakness, not an attack). Values are only ever added. */
typedef enum {
    LS_CATEGORY_SECRET = 0,
    LS_CATEGORY_TAMPER,
    LS_CATEGORY_HYGIENE,
    LS_CATEGORY_PROVENANCE /* signatures: who built the image */
} ls_category;
#define LS_CATEGORY_COUNT 4

/* Where a rule looks (ls_rule.scans): file contents, history instructions,
 * config values (Env, Labels, Cmd, Entrypoint). */
#define LS_SCANS_FILES 1u
#define LS_SCANS_HISTORY 2u
#define LS_SCANS_CONFIG 4u
#define LS_SCANS_ALL (LS_SCANS_FILES | LS_SCANS_HISTORY | LS_SCANS_CONFIG)

typedef struct {
    char *text;    /* input that must match */
    char *secret;  /* the exact secret the engine must extract from it */
} ls_rule_example;

typedef struct {
    char *id;               /* stable kebab-case id: "aws-access-key-id" */
    char *title;            /* "AWS access key ID" */
    ls_severity severity;
    ls_confidence confidence;
    char *regex;            /* Hyperscan- and PCRE2-compatible; group 1 (or the
                               named group "secret") is the secret, else the whole match */
    char **keywords;        /* lowercase literals one of which a match contains (may be empty) */
    size_t n_keywords;
    double min_entropy;     /* bits per char the secret must reach; 0 = no check */
    char **path_include;    /* fnmatch globs; empty = every path */
    size_t n_path_include;
    char **path_exclude;    /* fnmatch globs a finding's path must not match */
    size_t n_path_exclude;
    char **references;      /* URLs */
    size_t n_references;
    ls_rule_example *examples;
    size_t n_examples;
    char **negatives;       /* inputs that must not produce this rule */
    size_t n_negatives;
    char *origin;           /* "patterns/aws.json" for messages */
    char *family;           /* the provider family: the origin file's name without
                               its directory and ".json" ("aws") */
    ls_category category;   /* secret unless the rule says otherwise */
    unsigned scans;         /* LS_SCANS_* bits: where the rule looks (all by default) */
    bool structural;        /* a check written in C (analyzer/tamper), not a pattern:
                               regex is NULL and the matcher never runs the rule */
} ls_rule;

typedef struct ls_ruleset ls_ruleset;

/* An empty rule set. NULL on allocation failure. */
ls_ruleset *ls_ruleset_new(void);

/* Adds the rules of one JSON file, or of every *.json file in a directory
 * (sorted by name). A rule whose id is already present replaces it. Returns 0,
 * or -1 with err naming the file, the rule and the problem (unknown key,
 * missing field, duplicate id within one file, bad severity...). */
int ls_ruleset_load(ls_ruleset *rs, const char *path, ls_error *err);

/* Removes the rule with this id; returns 0, or -1 if no such rule. */
int ls_ruleset_disable(ls_ruleset *rs, const char *id);

size_t ls_ruleset_count(const ls_ruleset *rs);
const ls_rule *ls_ruleset_get(const ls_ruleset *rs, size_t i);

/* Index of the rule with this id, or -1. */
long ls_ruleset_find(const ls_ruleset *rs, const char *id);

/* A SHA-256 hex digest over every rule's content (for cache keys). */
void ls_ruleset_hash(const ls_ruleset *rs, char out_hex[65]);

void ls_ruleset_free(ls_ruleset *rs);

const char *ls_severity_name(ls_severity s);   /* "critical", ... */
const char *ls_category_name(ls_category c);   /* "secret", "tamper", "hygiene" */
int ls_category_parse(const char *s, ls_category *out);     /* 0 or -1 */
const char *ls_confidence_name(ls_confidence c); /* "high", ... */
int ls_severity_parse(const char *s, ls_severity *out);     /* 0 or -1 */
int ls_confidence_parse(const char *s, ls_confidence *out); /* 0 or -1 */

#endif
