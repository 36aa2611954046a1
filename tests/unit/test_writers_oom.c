/* The JSON and SARIF writers under allocation failure: jansson's allocator
 * fails its Nth call, for every N until a run succeeds. Each run either
 * writes the whole report, byte for byte the one written without faults, or
 * fails with LS_ERR_NOMEM having written at most a prefix of that report
 * (nothing while the document is built; a prefix when the dump itself runs
 * out): a report is never written with a member, a result or a message
 * missing, and running out of memory is never called a write error. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "layerscan/rules.h"
#include "report/writer.h"

static long alloc_left = -1; /* -1: never fail */

static void *failing_malloc(size_t n)
{
    if (alloc_left == 0)
        return NULL;
    if (alloc_left > 0)
        alloc_left--;
    return malloc(n);
}

static char *write_to_memory(ls_report_writer w, const ls_report *r, bool show, int *rc, ls_error *err,
                             size_t *len)
{
    ls_write_opts o = {.show_secrets = show};
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);
    ls_error_clear(err);
    *rc = w(r, out, &o, err);
    fclose(out);
    return buf;
}

/* Fails the Nth jansson allocation for N = 0, 1, ... until the writer
 * succeeds; returns how many N failed cleanly. */
static int sweep(const char *name, ls_report_writer w, const ls_report *r, bool show)
{
    size_t ref_len, len;
    int rc, failed = 0;
    ls_error err = {0};
    char *ref = write_to_memory(w, r, show, &rc, &err, &ref_len);
    CHECK_INT(rc, 0);
    for (long n = 0; n < 100000; n++) {
        char *got;
        alloc_left = n;
        got = write_to_memory(w, r, show, &rc, &err, &len);
        alloc_left = -1;
        if (rc == 0) {
            CHECK_INT(len, ref_len);
            CHECK(len == ref_len && memcmp(got, ref, len) == 0);
            free(got);
            break;
        }
        if (err.code != LS_ERR_NOMEM || len > ref_len || (len && memcmp(got, ref, len) != 0)) {
            fprintf(stderr, "%s: allocation %ld failed: rc %d, code %d, %zu bytes written: %s\n", name, n, rc,
                    (int)err.code, len, err.msg);
            CHECK(0);
        }
        failed++;
        free(got);
    }
    free(ref);
    CHECK(failed > 20); /* the sweep reached into the findings, not only the first object */
    return failed;
}

int main(void)
{
    ls_ruleset *rs = ls_ruleset_new();
    ls_error err = {0};
    ls_history_entry hist[2] = {{.created_by = "/bin/sh -c #(nop) ENV TOKEN=ghp_0123456789abcdefghijABCDEFGHIJklmnop"},
                                {.created_by = "/bin/sh -c make install"}};
    ls_image img = {.reference = "oci:/tmp/x:latest", .transport = "oci", .history = hist, .n_history = 2,
                    .n_layers = 1};
    ls_history_report hrep[2] = {{.index = 0, .instruction = "ENV TOKEN=ghp_0123456789abcdefghijABCDEFGHIJklmnop",
                                  .layer = -1},
                                 {.index = 1, .instruction = "RUN make install", .layer = 0}};
    ls_layer_report layer = {.index = 0, .digest = "sha256:00", .diff_id = "sha256:11", .history = 1,
                             .compression = "gzip", .scanned = true, .digest_verified = true};
    ls_package pkg = {.manager = "dpkg", .name = "openssl", .version = "3.0.15-1"};
    ls_finding f[3] = {
        {.rule = 0, .source = LS_SOURCE_FILE, .layer = 0, .history = 1, .path = "/app/.env", .line = 3,
         .column = 7, .status = LS_STATUS_DELETED, .removed_in_layer = 0,
         .secret = "AKIA2E0A8F3B244C9986", .validation = "none", .package = -1},
        {.rule = 1, .source = LS_SOURCE_HISTORY, .layer = -1, .history = 0, .path = "history[0].created_by",
         .line = 1, .column = 30, .status = LS_STATUS_METADATA, .removed_in_layer = -1,
         .secret = "ghp_0123456789abcdefghijABCDEFGHIJklmnop", .validation = "checksum-invalid", .package = -1},
        {.rule = 0, .source = LS_SOURCE_FILE, .layer = 0, .history = 1, .path = "/usr/share/doc/x/test key",
         .line = 9, .column = 1, .status = LS_STATUS_PRESENT, .removed_in_layer = -1,
         .secret = "AKIA2E0A8F3B244C9987", .validation = "none", .origin = LS_ORIGIN_VENDOR, .package = 0}};
    ls_suppressed sup = {.finding = f[2], .reason = "vendor"};
    ls_report_error e = {.layer = 0, .path = "/app/x", .message = "gzip member 1: incorrect data check"};
    ls_report r = {.image = &img, .rules = rs, .layers = &layer, .n_layers = 1, .history = hrep,
                   .n_history = 2, .findings = f, .n_findings = 2, .errors = &e, .n_errors = 1,
                   .suppressed = &sup, .n_suppressed = 1, .packages = &pkg, .n_packages = 1};

    CHECK(rs != NULL);
    CHECK_INT(ls_ruleset_load(rs, LAYERSCAN_DEFAULT_PATTERNS, &err), 0);
    json_set_alloc_funcs(failing_malloc, free);
    for (int show = 0; show < 2; show++) {
        sweep("json", ls_report_write_json, &r, show);
        sweep("sarif", ls_report_write_sarif, &r, show);
    }
    json_set_alloc_funcs(malloc, free);
    ls_ruleset_free(rs);
    CHECK_DONE();
}
