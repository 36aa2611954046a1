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
#include "core/fileio.h"
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
    char cache_buf[4096];
    ls_scan_opts so = cli_scan_opts(opts, false);
    ls_write_opts wo = {.show_secrets = opts->show_secrets};
    FILE *out = stdout;
    int rc = -1;
    bool exists;
    if (cli_config_load(opts, &cfg, err) != 0 || cli_opts_merge(opts, &cfg, &eff, err) != 0)
        goto out;
    /* a refused -o is known before the scan, not after it */
    if (opts->output && ls_file_check_output(opts->output, LS_OUT_TRUNCATE, &exists, err) != 0)
        goto out;
    if (eff.baseline && cli_baseline_load(eff.baseline, &baseline, err) != 0)
        goto out;
    if (!(rs = cli_load_rules(&eff, err)) ||
        cli_new_matcher(&eff, rs, cli_rules_cache_dir(opts, cache_buf, sizeof cache_buf), &m, err) != 0)
        goto out;
    if (ls_scan_image(image, m, &so, &r, err) != 0)
        goto out;
    if (cli_apply_policy(r, &eff, &cfg, eff.baseline ? &baseline : NULL, err) != 0)
        goto out;
    /* the inventory or history the user asked to keep (-o) */
    if (opts->output && !(out = ls_file_fopen_output(opts->output, LS_OUT_TRUNCATE, err)))
        goto out;
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

/* The refusal of a layer that does not match its digest: one line naming the
 * image, the layer and each mismatch (expected and actual digests), written
 * here whole: it is longer than an ls_error holds. err gets the code and an
 * empty message, which cli_cmd_inspect does not print again. */
static int refuse_unverified(const char *image, size_t layer, const char *why, const char *what, ls_error *err)
{
    fputs("layerscan: ", stderr);
    ls_fputs_escaped(image, stderr);
    fprintf(stderr, ": layer %zu does not match its digest (", layer);
    ls_fputs_escaped(why, stderr);
    fputs("): refusing ", stderr);
    ls_fputs_escaped(what, stderr);
    fputs(" (--allow-unverified to use it anyway)\n", stderr);
    err->code = LS_ERR_DIGEST;
    err->msg[0] = '\0';
    return -1;
}

/* The bytes of an entry reach their destination only once the whole layer
 * was read and its digests checked, since a digest is known only after the
 * layer's last byte. They wait in a file, not in memory (an entry can be
 * gigabytes): with -o, a 0600 temporary file beside FILE, renamed onto it
 * when the layer checks out (so FILE is never a half-written or tampered
 * file) and unlinked otherwise; on standard output, an unlinked tmpfile(3)
 * copied out after the check (a pipe cannot take bytes back). */
static int copy_out(int from, int to)
{
    char buf[65536];
    ssize_t n;
    if (lseek(from, 0, SEEK_SET) != 0)
        return -1;
    while ((n = read(from, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || ls_file_write_all(to, buf, (size_t)n) != 0)
            return -1;
    }
    return 0;
}

/* The path to extract, normalized as the walk names tar entries: only the
 * part before the first "!/" is a tar path; what follows names members of
 * nested archives exactly as the scan reported them, and is kept verbatim. */
static char *extract_path(const char *given)
{
    const char *bang = strstr(given, "!/");
    char *outer, *path;
    size_t n;
    if (!bang)
        return ls_path_normalize(given);
    if (!(outer = strndup(given, (size_t)(bang - given))))
        return NULL;
    path = ls_path_normalize(outer);
    free(outer);
    if (!path)
        return NULL;
    n = strlen(path) + strlen(bang) + 1;
    outer = realloc(path, n);
    if (!outer) {
        free(path);
        return NULL;
    }
    strcat(outer, bang);
    return outer;
}

static int do_extract(const cli_opts *o, const char *image, ls_source *src, ls_error *err)
{
    char digest[LS_DIGEST_MAX], why[LS_ERROR_MSG_MAX], tmp[4096] = "";
    ls_layer_inventory inv;
    ls_layer_trust trust;
    ls_out_mode mode = o->force ? LS_OUT_TRUNCATE : LS_OUT_NEW;
    uint64_t bytes = 0;
    FILE *spool = NULL;
    bool exists;
    int fd = -1, rc = -1;
    long layer = o->layer;
    char *path = NULL;
    if (!o->output && isatty(STDOUT_FILENO))
        /* raw image bytes could drive the responder's terminal (refused
         * before --finding's scan, not after it) */
        return ls_error_set(err, LS_ERR_USAGE, "refusing to write raw bytes to a terminal: use -o FILE or a pipe");
    if (o->finding) {
        char *found = NULL;
        if (cli_finding_locate(o, image, ls_source_image(src), &layer, &found, err) != 0)
            return -1;
        path = found; /* already as the scan reports it */
        fprintf(stderr, "layerscan: finding %s: layer %ld ", o->finding, layer);
        ls_fputs_escaped(path, stderr);
        fputc('\n', stderr);
    } else if (!(path = extract_path(o->entry_path))) {
        return ls_error_set(err, LS_ERR_NOMEM, "out of memory");
    }
    if (o->output) {
        /* refused up front (symlink, FIFO, existing file without --force),
         * and again when the finished file is put in place */
        if (ls_file_check_output(o->output, mode, &exists, err) != 0 ||
            (fd = ls_file_temp_beside(o->output, tmp, sizeof tmp, err)) < 0)
            goto out;
    } else if (!(spool = tmpfile())) {
        ls_error_set(err, LS_ERR_IO, "cannot create a temporary file to hold the entry: %s", strerror(errno));
        goto out;
    } else {
        fd = fileno(spool);
    }
    if (ls_inspect_extract(src, (size_t)layer, path, &o->nested, fd, &bytes, digest, &inv, err) != 0)
        goto out;
    trust = ls_inspect_trust(ls_source_image(src), &inv, why, sizeof why);
    if (trust == LS_LAYER_MISMATCH && !o->allow_unverified) {
        char what[4200];
        snprintf(what, sizeof what, "to extract %s", path);
        refuse_unverified(image, (size_t)layer, why, what, err);
        goto out;
    }
    if (spool) {
        if (copy_out(fd, STDOUT_FILENO) != 0) {
            ls_error_set(err, LS_ERR_IO, "cannot write the extracted bytes: %s", strerror(errno));
            goto out;
        }
    } else {
        int c = fsync(fd) != 0 ? -1 : close(fd);
        fd = -1;
        if (c != 0) {
            ls_error_set(err, LS_ERR_IO, "%s: cannot write: %s", o->output, strerror(errno));
            goto out;
        }
        rc = ls_file_publish(tmp, o->output, mode, err);
        tmp[0] = '\0'; /* gone either way */
        if (rc != 0)
            goto out;
    }
    fprintf(stderr, "layerscan: layer %ld ", layer);
    ls_fputs_escaped(path, stderr);
    fprintf(stderr, ": %llu bytes, %s", (unsigned long long)bytes, digest);
    if (trust == LS_LAYER_MISMATCH) {
        fputs(", UNVERIFIED LAYER: ", stderr);
        ls_fputs_escaped(why, stderr);
    }
    else if (trust == LS_LAYER_NO_DIGEST)
        fputs(", unverified (no digest)", stderr);
    fputc('\n', stderr);
    rc = 0;
out:
    if (spool)
        fclose(spool);
    else if (fd >= 0)
        close(fd);
    if (tmp[0])
        unlink(tmp); /* no partial or refused evidence file left behind */
    free(path);
    return rc;
}

/* Every layer the diff rests on checked against the image's digests: a
 * mismatch refuses the diff (exit 2) unless --allow-unverified, and each
 * layer that could not be verified is named on stderr. */
static int check_diff_layers(const cli_opts *o, const char *image, const ls_image *img, const ls_diff *d,
                             bool print, ls_error *err)
{
    char why[LS_ERROR_MSG_MAX];
    for (size_t k = 0; k < d->n_layers; k++) {
        ls_layer_trust t = ls_inspect_trust(img, &d->layers[k], why, sizeof why);
        if (t == LS_LAYER_MISMATCH && !o->allow_unverified) {
            char what[64];
            snprintf(what, sizeof what, "the diff of layer %ld", o->layer);
            return refuse_unverified(image, k, why, what, err);
        }
        if (print && t == LS_LAYER_MISMATCH) {
            fprintf(stderr, "layerscan: layer %zu UNVERIFIED LAYER: ", k);
            ls_fputs_escaped(why, stderr);
            fputc('\n', stderr);
        } else if (print && t == LS_LAYER_NO_DIGEST)
            fprintf(stderr, "layerscan: layer %zu unverified (no digest)\n", k);
    }
    return 0;
}

static const char *type_name(ls_entry_type t)
{
    static const char *const names[] = {"file", "dir", "symlink", "hardlink", "device", "fifo", "whiteout",
                                        "opaque", "other"};
    return (size_t)t < sizeof names / sizeof *names ? names[t] : "?";
}

static int do_diff(const cli_opts *o, const char *image, ls_source *src, ls_error *err)
{
    ls_diff *d = NULL;
    FILE *out = stdout;
    size_t count[4] = {0};
    int rc;
    if (ls_inspect_diff(src, (size_t)o->layer, &d, err) != 0)
        return -1;
    if (check_diff_layers(o, image, ls_source_image(src), d, false, err) != 0 ||
        /* the diff listing the user asked to keep (-o) */
        (o->output && !(out = ls_file_fopen_output(o->output, LS_OUT_TRUNCATE, err)))) {
        ls_diff_free(d);
        return -1;
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
    if (rc == 0)
        check_diff_layers(o, image, ls_source_image(src), d, true, err);
    ls_diff_free(d);
    return rc;
}

int cli_cmd_inspect(const cli_opts *o, const char *cmd, const char *image)
{
    ls_error err = {0};
    ls_source *src = NULL;
    ls_source_opts sopts = {.platform = o->platform, .registry = &o->registry,
                            .max_json_bytes = o->max_json_bytes,
                            .max_layer_bytes = o->max_layer_bytes,
                            .blob = {.no_map = o->no_mmap, .no_thread = o->no_decode_thread}};
    int rc = -1;
    bool exists;
    if (strcmp(cmd, "layers") == 0) {
        rc = scan_and_write(o, image, ls_report_write_layers, &err);
    } else if (strcmp(cmd, "history") == 0) {
        rc = scan_and_write(o, image, ls_report_write_history, &err);
    } else if (strcmp(cmd, "extract") == 0 && o->finding && (o->entry_path || o->layer >= 0)) {
        ls_error_set(&err, LS_ERR_USAGE, "extract takes --finding FINGERPRINT or --layer N --path /PATH, not both");
    } else if (o->report && (strcmp(cmd, "extract") != 0 || !o->finding)) {
        ls_error_set(&err, LS_ERR_USAGE, "--report FILE goes with extract --finding");
    } else if (o->layer < 0 && !(strcmp(cmd, "extract") == 0 && o->finding)) {
        ls_error_set(&err, LS_ERR_USAGE, "%s needs --layer N", cmd);
    } else if (strcmp(cmd, "extract") == 0 && !o->entry_path && !o->finding) {
        ls_error_set(&err, LS_ERR_USAGE, "extract needs --path /PATH");
    } else if (o->output && ls_file_check_output(o->output, strcmp(cmd, "extract") == 0 && !o->force
                                                                 ? LS_OUT_NEW : LS_OUT_TRUNCATE,
                                                 &exists, &err) != 0) {
        /* a refused -o is known before the image is read, not after it */
    } else if (ls_source_open(&src, image, &sopts, &err) == 0) {
        rc = strcmp(cmd, "extract") == 0 ? do_extract(o, image, src, &err) : do_diff(o, image, src, &err);
    }
    if (rc != 0 && err.msg[0]) /* an empty message was printed where it arose */
        fprintf(stderr, "layerscan: %s\n", err.msg);
    ls_source_free(src);
    return rc == 0 ? EXIT_CLEAN : EXIT_ERROR;
}
