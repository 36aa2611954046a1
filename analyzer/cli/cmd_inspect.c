/*
 * cmd_inspect.c - incident response: `layers` (inventory) and `history`
 * (reconstructed Dockerfile with findings) run the full scan so every string
 * they print can be redacted; `extract` (exact bytes of one entry of one
 * layer) and `diff` (what one layer changed) only walk tars (inspect/).
 *
 * Exit status: 0 done, 2 unusable input, bad arguments, or a refused output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/policy.h"
#include "inspect/inspect.h"
#include "layer/path.h"
#include "layerscan/scan.h"
#include "match/matcher.h"
#include "report/escape.h"
#include "report/writer.h"

static int scan_and_write(const cli_opts *opts, const char *image, ls_report_writer writer, ls_error *err)
{
    ls_ruleset *rs = NULL;
    ls_matcher *m = NULL;
    ls_report *r = NULL;
    cli_config cfg = {0};
    cli_fpset baseline = {0};
    cli_opts eff;
    ls_scan_opts so = {.platform = opts->platform, .registry = &opts->registry,
                       .max_json_bytes = opts->max_json_bytes, .nested = &opts->nested,
                       .max_findings_per_file = opts->max_findings_per_file,
                       .max_layer_bytes = opts->max_layer_bytes,
                       .image_timeout_ms = cli_image_timeout(opts, false)};
    ls_write_opts wo = {.show_secrets = opts->show_secrets};
    FILE *out = stdout;
    int rc = -1;
    if (cli_config_load(opts, &cfg, err) != 0 || cli_opts_merge(opts, &cfg, &eff, err) != 0)
        goto out;
    if (eff.baseline && cli_baseline_load(eff.baseline, &baseline, err) != 0)
        goto out;
    if (!(rs = cli_load_rules(&eff, err)) || cli_new_matcher(&eff, rs, NULL, &m, err) != 0)
        goto out;
    if (ls_scan_image(image, m, &so, &r, err) != 0)
        goto out;
    if (cli_apply_policy(r, &eff, &cfg, eff.baseline ? &baseline : NULL, err) != 0)
        goto out;
    /* the inventory or history the user asked to keep (-o) */
    if (opts->output && !(out = fopen(opts->output, "w"))) {
        ls_error_set(err, LS_ERR_IO, "%s: cannot write: %s", opts->output, strerror(errno));
        goto out;
    }
    rc = writer(r, out, &wo, err);
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot write", opts->output);
out:
    ls_report_free(r);
    ls_matcher_free(m);
    ls_ruleset_free(rs);
    cli_fpset_free(&baseline);
    cli_config_free(&cfg);
    return rc;
}

/* The evidence file: created new (O_EXCL), or with --force truncated only if
 * it is a regular file; never through a symlink (O_NOFOLLOW), mode 0600
 * (it may hold a secret). *created tells whether we made it. */
static int open_evidence(const char *path, bool force, bool *created, ls_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    struct stat st;
    *created = fd >= 0;
    if (fd >= 0)
        return fd;
    if (errno != EEXIST)
        return ls_error_set(err, LS_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        return ls_error_set(err, LS_ERR_USAGE, "%s is a symlink: refusing to write through it", path);
    if (!force)
        return ls_error_set(err, LS_ERR_USAGE, "%s exists: refusing to overwrite it without --force", path);
    fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ls_error_set(err, LS_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ls_error_set(err, LS_ERR_USAGE, "%s is not a regular file: refusing to overwrite it", path);
    }
    if (ftruncate(fd, 0) != 0) {
        close(fd);
        return ls_error_set(err, LS_ERR_IO, "%s: cannot truncate: %s", path, strerror(errno));
    }
    return fd;
}

static int do_extract(const cli_opts *o, ls_source *src, ls_error *err)
{
    char digest[LS_DIGEST_MAX];
    uint64_t bytes = 0;
    bool created = false;
    int fd = STDOUT_FILENO, rc;
    char *path = ls_path_normalize(o->entry_path);
    if (!path)
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    if (!o->output && isatty(STDOUT_FILENO)) {
        /* raw image bytes could drive the responder's terminal */
        free(path);
        return ls_error_set(err, LS_ERR_USAGE, "refusing to write raw bytes to a terminal: use -o FILE or a pipe");
    }
    if (o->output && (fd = open_evidence(o->output, o->force, &created, err)) < 0) {
        free(path);
        return -1;
    }
    rc = ls_inspect_extract(src, (size_t)o->layer, path, fd, &bytes, digest, err);
    if (fd != STDOUT_FILENO && close(fd) != 0 && rc == 0)
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot write: %s", o->output, strerror(errno));
    if (rc != 0 && created)
        unlink(o->output); /* no partial evidence file of ours left behind */
    if (rc == 0) {
        fprintf(stderr, "layerscan: layer %ld ", o->layer);
        ls_fputs_escaped(path, stderr);
        fprintf(stderr, ": %llu bytes, %s\n", (unsigned long long)bytes, digest);
    }
    free(path);
    return rc;
}

static const char *type_name(ls_entry_type t)
{
    static const char *const names[] = {"file", "dir", "symlink", "hardlink", "device", "fifo", "whiteout",
                                        "opaque", "other"};
    return (size_t)t < sizeof names / sizeof *names ? names[t] : "?";
}

static int do_diff(const cli_opts *o, ls_source *src, ls_error *err)
{
    ls_diff *d = NULL;
    FILE *out = stdout;
    size_t count[4] = {0};
    int rc;
    if (ls_inspect_diff(src, (size_t)o->layer, &d, err) != 0)
        return -1;
    /* the diff listing the user asked to keep (-o) */
    if (o->output && !(out = fopen(o->output, "w"))) {
        ls_diff_free(d);
        return ls_error_set(err, LS_ERR_IO, "%s: cannot write: %s", o->output, strerror(errno));
    }
    for (size_t i = 0; i < d->n; i++) {
        const ls_diff_item *it = &d->items[i];
        count[it->kind]++;
        fprintf(out, "%-8s %-8s %10lld  ", ls_diff_kind_name(it->kind), type_name(it->type), (long long)it->size);
        ls_fputs_escaped(it->path, out);
        if (it->kind == LS_DIFF_DELETED || it->kind == LS_DIFF_HIDDEN)
            fprintf(out, "  (%llu entr%s below)", (unsigned long long)it->count, it->count == 1 ? "y" : "ies");
        fputc('\n', out);
    }
    fprintf(out, "layer %ld: %zu added, %zu changed, %zu deleted, %zu hidden\n", o->layer, count[LS_DIFF_ADDED],
            count[LS_DIFF_CHANGED], count[LS_DIFF_DELETED], count[LS_DIFF_HIDDEN]);
    rc = fflush(out) != 0 || ferror(out) ? ls_error_set(err, LS_ERR_IO, "cannot write the diff") : 0;
    if (out != stdout && fclose(out) != 0 && rc == 0)
        rc = ls_error_set(err, LS_ERR_IO, "%s: cannot write", o->output);
    ls_diff_free(d);
    return rc;
}

int cli_cmd_inspect(const cli_opts *o, const char *cmd, const char *image)
{
    ls_error err;
    ls_source *src = NULL;
    ls_source_opts sopts = {.platform = o->platform, .registry = &o->registry,
                            .max_json_bytes = o->max_json_bytes,
                            .max_layer_bytes = o->max_layer_bytes};
    int rc = -1;
    ls_error_clear(&err);
    if (strcmp(cmd, "layers") == 0) {
        rc = scan_and_write(o, image, ls_report_write_layers, &err);
    } else if (strcmp(cmd, "history") == 0) {
        rc = scan_and_write(o, image, ls_report_write_history, &err);
    } else if (o->layer < 0) {
        ls_error_set(&err, LS_ERR_USAGE, "%s needs --layer N", cmd);
    } else if (strcmp(cmd, "extract") == 0 && !o->entry_path) {
        ls_error_set(&err, LS_ERR_USAGE, "extract needs --path /PATH");
    } else if (ls_source_open(&src, image, &sopts, &err) == 0) {
        rc = strcmp(cmd, "extract") == 0 ? do_extract(o, src, &err) : do_diff(o, src, &err);
    }
    if (rc != 0)
        fprintf(stderr, "layerscan: %s\n", err.msg);
    ls_source_free(src);
    return rc == 0 ? EXIT_CLEAN : EXIT_ERROR;
}
