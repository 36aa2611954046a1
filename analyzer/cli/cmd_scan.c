/*
 * cmd_scan.c - `layerscan scan IMAGE`: load rules, compile, scan, write the
 * report, and turn the outcome into an exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "layerscan/scan.h"
#include "match/dbcache.h"
#include "match/matcher.h"
#include "report/writer.h"

static int write_report(const ls_report *r, const cli_opts *o, ls_error *err)
{
    ls_write_opts wo = {.show_secrets = o->show_secrets};
    ls_report_writer writer = strcmp(o->format, "json") == 0 ? ls_report_write_json : ls_report_write_text;
    FILE *out = stdout;
    int rc;
    if (o->output && !(out = fopen(o->output, "w")))
        return ls_error_set(err, LS_ERR_IO, "%s: cannot write the report", o->output);
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

int cli_cmd_scan(const cli_opts *o, const char *image)
{
    ls_error err;
    ls_ruleset *rs;
    ls_matcher *m = NULL;
    ls_report *r = NULL;
    ls_scan_opts so = {.platform = o->platform, .jobs = o->jobs};
    int status = EXIT_ERROR;
    char cache_dir[4096] = ""; /* issue 5: compiled rules cache; "" = none */
    ls_error_clear(&err);
    if (!o->no_cache && !ls_dbcache_default_dir(cache_dir, sizeof cache_dir))
        cache_dir[0] = '\0';
    if (!(rs = cli_load_rules(o, &err)) || ls_matcher_new_cached(&m, rs, cache_dir, &err) != 0)
        goto out;
    if (ls_scan_image(image, m, &so, &r, &err) != 0)
        goto out;
    if (write_report(r, o, &err) != 0)
        goto out;
    status = r->n_findings ? EXIT_FINDINGS : EXIT_CLEAN;
out:
    if (status == EXIT_ERROR)
        fprintf(stderr, "layerscan: %s\n", err.msg);
    ls_report_free(r);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    return status;
}

