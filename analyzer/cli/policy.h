/*
 * policy.h - what decides which findings gate a release: the config file
 * (.layerscan.json), baselines, and the suppression and exit policy built
 * from them and the options. Kept apart from cmd_scan.c so `baseline create`
 * shares it.
 */
#ifndef LS_CLI_POLICY_H
#define LS_CLI_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "layerscan/report.h"

#define CLI_CONFIG_DEFAULT ".layerscan.json"

typedef struct {
    void *json;                  /* jansson root; every string below is borrowed from it */
    const char *path;            /* the file read, NULL when there was none */
    const char **allow_paths;    /* fnmatch globs (no FNM_PATHNAME) over finding paths */
    size_t n_allow_paths;
    const char **disable_rules;
    size_t n_disable_rules;
    const char **fingerprints;   /* allowlisted fingerprints, sorted */
    size_t n_fingerprints;
    const char *format;          /* default --format, NULL = unset */
    int fail_on;                 /* default --fail-on, -1 = unset */
    int min_confidence;          /* default --min-confidence, -1 = unset */
} cli_config;

/* A sorted set of fingerprints read from a baseline file. */
typedef struct {
    void *json;
    const char **fps;
    size_t n;
} cli_fpset;

/* Reads o->config, or ./.layerscan.json when o->config is NULL and the file
 * exists (none is fine then). Unknown keys and wrong types are errors.
 * Returns 0, or -1 with err naming the file and the problem. */
int cli_config_load(const cli_opts *o, cli_config *cfg, ls_error *err);
void cli_config_free(cli_config *cfg);

/* Reads a baseline (written by `layerscan baseline create`). 0 or -1 with err. */
int cli_baseline_load(const char *path, cli_fpset *set, ls_error *err);
void cli_fpset_free(cli_fpset *set);

/* The effective options: o, with the config's defaults where the command
 * line said nothing, and its disabled rules added. Borrows from both. */
int cli_opts_merge(const cli_opts *o, const cli_config *cfg, cli_opts *eff, ls_error *err);

/* Moves findings out of r->findings into r->suppressed: baseline
 * fingerprints, the config's allowlists, --min-confidence. */
int cli_apply_policy(ls_report *r, const cli_opts *eff, const cli_config *cfg, const cli_fpset *baseline,
                     ls_error *err);

/* The exit status for a report: 1 when a finding left in r->findings is at or
 * above eff->fail_on (any finding when unset), else 0. */
int cli_exit_status(const ls_report *r, const cli_opts *eff);

#endif
