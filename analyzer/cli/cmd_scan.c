/*
 * cmd_scan.c - `layerscan scan IMAGE`: load rules, compile, scan, write the
 * report, and turn the outcome into an exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/policy.h"
#include "core/failure.h"
#include "core/fileio.h"
#include "layerscan/scan.h"
#include "match/dbcache.h"
#include "match/matcher.h"
#include "pipeline/layer_cache.h"
#include "report/writer.h"

static int write_report(const ls_report *r, const cli_opts *o, ls_error *err)
{
    ls_write_opts wo = {.show_secrets = o->show_secrets};
    ls_report_writer writer = strcmp(o->format, "json") == 0    ? ls_report_write_json
                              : strcmp(o->format, "jsonl") == 0 ? ls_report_write_jsonl
                              : strcmp(o->format, "sarif") == 0 ? ls_report_write_sarif
                              : strcmp(o->format, "html") == 0  ? ls_report_write_html
                                                                : ls_report_write_text;
    FILE *out = stdout;
    int rc;
    if (o->output && !(out = ls_file_fopen_output(o->output, LS_OUT_TRUNCATE, err)))
        return -1;
    wo.color = !o->output && strcmp(o->format, "text") == 0 && isatty(STDOUT_FILENO) &&
               !getenv("NO_COLOR");
    rc = writer(r, out, &wo, err);
    if (out == stdout) {
        if (fflush(stdout) != 0 && rc == 0)
            rc = ls_error_set(err, LS_ERR_IO, "cannot write the report to standard output");
    } else if (fclose(out) != 0 && rc == 0) {
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot write the report", o->output);
    }
    return rc;
}

/* The progress line on stderr: only on a terminal and never in CI logs. */
typedef struct {
    struct timespec start;
    uint64_t bytes;
    bool shown;
} progress_state;

static double elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void progress_line(void *ctx, size_t done, size_t total, uint64_t bytes)
{
    progress_state *p = ctx;
    double secs = elapsed(&p->start), mb = (double)(p->bytes += bytes) / 1e6;
    fprintf(stderr, "\r\033[Klayer %zu/%zu  %.1f MB  %.1f MB/s", done, total, mb, secs > 0 ? mb / secs : 0.0);
    fflush(stderr);
    p->shown = true;
}

static bool want_progress(void)
{
    const char *ci = getenv("CI");
    return isatty(STDERR_FILENO) && !(ci && *ci);
}

int cli_cmd_scan(const cli_opts *opts, const char *image)
{
    ls_error err = {0};
    ls_ruleset *rs = NULL;
    ls_matcher *m = NULL;
    ls_report *r = NULL;
    cli_config cfg = {0};
    cli_fpset baseline = {0};
    cli_opts eff, *o = &eff;
    ls_scan_opts so = cli_scan_opts(opts, false);
    progress_state prog = {.shown = false};
    char root_buf[4096];
    const char *root;          /* the cache root: compiled rules (and with --cache, layer results) */
    ls_layer_cache *lc = NULL; /* only with --cache DIR: a plain scan keeps no layer results */
    bool layered, exists;
    int status = EXIT_ERROR, rc;
    so.jobs = opts->jobs;
    if (want_progress()) {
        clock_gettime(CLOCK_MONOTONIC, &prog.start);
        so.progress = progress_line;
        so.progress_ctx = &prog;
    }
    if (cli_config_load(opts, &cfg, &err) != 0 || cli_opts_merge(opts, &cfg, &eff, &err) != 0)
        goto out;
    /* a refused -o is known now, not after a scan that may take minutes */
    if (o->output && ls_file_check_output(o->output, LS_OUT_TRUNCATE, &exists, &err) != 0)
        goto out;
    if (o->baseline && cli_baseline_load(o->baseline, &baseline, &err) != 0)
        goto out;
    root = cli_cache_root(o, root_buf, sizeof root_buf);
    layered = root && o->cache_dir;
    if (root && !cli_cache_trusted(root, layered))
        root = NULL; /* warned: neither read nor written */
    if (!(rs = cli_load_rules(o, &err)) || cli_new_matcher(o, rs, root ? root : "", &m, &err) != 0)
        goto out;
    if (root && layered && cli_open_layer_cache(o, rs, root, &lc, &err) != 0)
        goto out;
    /* every platform: layers the platforms share are read once, through a
     * private cache for the run (in $TMPDIR) when --cache gave none */
    if (!lc && o->platform && strcmp(o->platform, "all") == 0 &&
        ls_layer_cache_new(&lc, NULL, rs, "platform-all", NULL, 0, &err) != 0)
        goto out;
    so.layer_cache = lc;
    rc = ls_scan_image(image, m, &so, &r, &err);
    if (prog.shown)
        fputs("\r\033[K", stderr);
    if (rc != 0)
        goto out;
    if (cli_apply_policy(r, o, &cfg, o->baseline ? &baseline : NULL, &err) != 0)
        goto out;
    if (write_report(r, o, &err) != 0)
        goto out;
    status = cli_exit_status(r, o);
    if (lc) {
        ls_layer_cache_stats st;
        ls_layer_cache_get_stats(lc, &st);
        if (st.rejected)
            fprintf(stderr, "layerscan: warning: %llu cached layer results rejected (corrupt, foreign or forged) "
                            "and scanned again\n", (unsigned long long)st.rejected);
    }
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", ls_failure_msg(&err));
    ls_report_free(r);
    ls_layer_cache_free(lc);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    cli_fpset_free(&baseline);
    cli_config_free(&cfg);
    return status;
}

